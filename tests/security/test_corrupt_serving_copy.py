"""A corrupt serving copy (garbage bytes renamed over ``serving.duckdb``) gives a clear
"data unavailable" state and a 503 health answer, never a stack trace."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from dashboard.app import create_app
from orderlens.settings import Settings
from orderlens.users import Role, add_user

pytestmark = pytest.mark.slow

PASSWORD = "executive-passphrase"


def test_corrupt_serving_copy_is_reported_not_served(published_demo, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", secret_key="corrupt-copy-secret-key-0123456789")
    settings.ensure_dirs()
    shutil.copy(published_demo.settings.serving_path, settings.serving_path)
    add_user(settings.users_path, "dana", Role.EXECUTIVE, PASSWORD)
    client = create_app(settings).server.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/login", data={"csrf_token": token, "username": "dana", "password": PASSWORD})
    assert client.get("/health").status_code == 200
    garbage = settings.data_dir / "serving.duckdb.incoming"
    garbage.write_bytes(os.urandom(64 * 1024))
    os.replace(garbage, settings.serving_path)
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json()["status"] == "unavailable"
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    text = layout.get_data(as_text=True)
    assert "No published data yet" in text
    assert "Traceback" not in text
