"""``orderlens run``: options checked before any stage runs."""

from click.testing import CliRunner

from orderlens.cli import main


def test_run_command_rejects_a_reference_model_that_is_not_bpmn_naming_the_file(
    tmp_path, monkeypatch
):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ORDERLENS_DATA_DIR", str(data_dir))
    monkeypatch.delenv("ORDERLENS_REFERENCE_MODEL", raising=False)
    notes = tmp_path / "process.bpmn"
    notes.write_text("order, pick, pack, ship")
    result = CliRunner().invoke(main, ["run", "--reference-model", str(notes)])
    assert result.exit_code != 0
    assert f"{notes}: not a readable BPMN model" in result.output
    assert not data_dir.exists()

    monkeypatch.setenv("ORDERLENS_REFERENCE_MODEL", str(notes))
    from_setting = CliRunner().invoke(main, ["run"])
    assert from_setting.exit_code != 0
    assert f"{notes}: not a readable BPMN model" in from_setting.output
    assert not data_dir.exists()
