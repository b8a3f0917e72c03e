"""Reference data: shipped defaults validate; a bad user file fails with its location."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from orderlens.reference import load_reference


def test_reference_defaults_cover_the_exception_classes_the_seeds_name():
    reference = load_reference()
    types = {row.exception_type for row in reference.exception_taxonomy}
    assert {"inventory_mismatch", "payment_hold", "carrier_delay", "erp_posting_failure"} <= types
    assert len(types) == 14
    assert {row.channel.value for row in reference.sla_policy} == {
        "web", "app", "marketplace", "store", "call_center"
    }  # fmt: skip
    assert reference.cost("labor_rate_per_hour") > 0


def test_reference_user_file_error_names_file_row_and_field(tmp_path):
    shipped = resources.files("orderlens").joinpath("reference_defaults.yaml").read_text()
    document = yaml.safe_load(shipped)
    document["sla_policy"][2]["promise_hours"] = -5
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ValueError, match=r"mine\.yaml: sla_policy row 3, field 'promise_hours'"):
        load_reference(path)


def test_reference_missing_section_is_named(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("sla_policy: []\n")
    with pytest.raises(ValueError, match="section 'exception_taxonomy' is missing"):
        load_reference(path)
