"""``orderlens report``: the answer key it scores against is the one the user names."""

from click.testing import CliRunner

from orderlens.cli import main
from orderlens.settings import Settings
from orderlens.warehouse import initialize_warehouse


def test_report_command_names_the_ground_truth_file_it_cannot_read(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    initialize_warehouse(settings)
    notes = tmp_path / "notes.json"
    notes.write_text("injected causes: a late supplier")
    for arguments, env in (
        (["--ground-truth", str(notes)], settings.subprocess_env()),
        ([], {**settings.subprocess_env(), "ORDERLENS_GROUND_TRUTH_FILE": str(notes)}),
    ):
        result = CliRunner().invoke(
            main, ["report", *arguments, "--out", str(tmp_path / "report.html")], env=env
        )
        assert result.exit_code != 0
        assert f"{notes} is not a simulator ground truth" in result.output
        assert not (tmp_path / "report.html").exists()
