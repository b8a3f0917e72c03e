"""A small simulated log whose outside-supplied text carries script and markup payloads.

Shared by the security tests that show such text: the dashboard's
(``test_untrusted_text.py``) and the report's (``test_untrusted_report.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

REASON = "<script>window.__pwned = 'reason'</script>"
ACTIVITY = "<img src=x onerror=\"window.__pwned='activity'\"> Detected"
RESOURCE = "<svg onload=\"window.__pwned='resource'\"></svg>"
ATTRIBUTE = "<b>bold</b> & \"quoted\" 'single' <iframe src=javascript:alert(1)>"
HOSTILE_ORDERS = 120


def write_hostile_log(out_dir: Path) -> str:
    """Simulate a small log and plant the payloads; return one affected order id."""
    from orderlens.simulator import SimulationConfig, simulate

    simulate(SimulationConfig(orders=HOSTILE_ORDERS, scenario="baseline", seed=5, out_dir=out_dir))
    path = out_dir / "workflow_events.parquet"
    events = pd.read_parquet(path)
    detected = events["exception_stage"] == "detected"
    first_type = events.loc[detected, "exception_type"].iloc[0]
    planted = events["exception_type"] == first_type
    events.loc[planted & events["reason_code"].notna(), "reason_code"] = REASON
    events.loc[planted & detected, "activity"] = ACTIVITY
    events.loc[planted, "resource"] = RESOURCE
    events.loc[planted, "attributes"] = json.dumps({"note": ATTRIBUTE})
    events.to_parquet(path, index=False)
    return str(events.loc[planted & detected, "case_id"].iloc[0])
