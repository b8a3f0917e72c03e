"""The what-if projection against a hand-computed plan."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.roi import project_savings

COSTS = pd.DataFrame(
    {
        "exception_type": ["pick_failure", "payment_hold", "carrier_delay"],
        "exception_class": ["warehouse", "payment", "carrier"],
        "is_auto_resolvable_type": [True, True, False],
        "touch_count": [10, 4, 6],
        "labor_cost": [76.0, 30.4, 45.6],
        "escalation_cost": [15.0, 0.0, 30.0],
        "expedite_cost": [0.0, 0.0, 18.5],
        "cancellation_cost": [25.0, 0.0, 0.0],
        "refund_leakage_cost": [0.0, 6.0, 0.0],
    }
)


def test_project_savings_automates_only_auto_resolvable_types_of_the_chosen_classes():
    outcome = project_savings(
        COSTS,
        automation_by_class={"warehouse": 0.5, "carrier": 1.0},
        labor_rate=38.0,
        base_labor_rate=38.0,
    )
    # pick_failure: 0.5 * (76 + 15) = 45.5; payment not chosen; carrier_delay not automatable.
    assert outcome.savings == pytest.approx(45.5)
    assert outcome.baseline_cost == pytest.approx(116.0 + 36.4 + 94.1)
    assert outcome.projected_cost == pytest.approx(246.5 - 45.5)
    assert outcome.touches_avoided == pytest.approx(5.0)


def test_project_savings_scales_labor_with_the_rate():
    outcome = project_savings(
        COSTS, automation_by_class={"payment": 1.0}, labor_rate=76.0, base_labor_rate=38.0
    )
    # Labor doubles: 152 + 60.8 + 91.2 = 304; other parts 15+25 + 6 + 30+18.5 = 94.5.
    assert outcome.baseline_cost == pytest.approx(304.0 + 94.5)
    assert outcome.savings == pytest.approx(60.8)
    assert outcome.touches_avoided == pytest.approx(4.0)


def test_project_savings_rejects_a_share_above_one():
    with pytest.raises(ValueError, match="must be 0-1"):
        project_savings(
            COSTS, automation_by_class={"warehouse": 1.5}, labor_rate=38, base_labor_rate=38
        )
