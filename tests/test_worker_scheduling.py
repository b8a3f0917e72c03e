"""The suite's own scheduling on xdist workers (see ``tests/conftest.py``)."""

from __future__ import annotations

from pathlib import Path

ROOT_CONFTEST = Path(__file__).resolve().parent / "conftest.py"


def test_every_module_using_a_foreign_log_is_scheduled_with_the_foreign_logs(request):
    conftest = request.config.pluginmanager.get_plugin(str(ROOT_CONFTEST))
    using = {
        item.nodeid.split("::")[0]
        for item in request.session.items
        if "published_foreign_log" in getattr(item, "fixturenames", ())
    }
    assert using <= conftest.FOREIGN_LOG_MODULES
