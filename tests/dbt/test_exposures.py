"""The dashboard's exposure lists exactly the dbt models and seeds the dashboard reads, so
the lineage dbt draws (and ``dbt build --select +exposure:operations_dashboard``) is true."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
EXPOSURES = REPO / "dbt_project" / "models" / "exposures.yml"
SEEDS = REPO / "dbt_project" / "seeds"


def _dashboard_sql_text() -> str:
    return "\n".join(path.read_text() for path in (REPO / "dashboard").rglob("*.py"))


def test_exposures_list_every_mart_and_seed_the_dashboard_reads() -> None:
    (dashboard,) = [
        exposure
        for exposure in yaml.safe_load(EXPOSURES.read_text())["exposures"]
        if exposure["name"] == "operations_dashboard"
    ]
    listed = {re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in dashboard["depends_on"]}
    code = _dashboard_sql_text()
    seeds = {path.stem for path in SEEDS.glob("*.csv")}
    read = set(re.findall(r"\bmarts\.(\w+)", code)) | {
        table for table in re.findall(r"\breference\.(\w+)", code) if table in seeds
    }
    assert "fct_exception_open_days" in read and "mart_cost_parameters" in read
    assert listed == read
