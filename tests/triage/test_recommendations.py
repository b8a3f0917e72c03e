"""Policy modes, reroute suggestions and policy validation."""

from pathlib import Path

import pandas as pd
import pytest

from orderlens.reference import load_reference
from orderlens.triage.recommendations import (
    AUTO_ACT,
    MONITOR,
    RECOMMEND,
    TriagePolicy,
    decide_mode,
    least_loaded_alternative,
    load_policy,
    recommend_actions,
)

POLICY = TriagePolicy(
    recommend_min_risk=0.3,
    auto_act_min_risk=0.6,
    auto_act_max_order_value=200.0,
    human_required_types=("fraud_review",),
)


@pytest.mark.parametrize(
    ("risk", "exception_type", "auto_resolvable", "amount", "mode"),
    [
        (0.2, "payment_hold", True, 50.0, MONITOR),
        (0.7, "payment_hold", True, 50.0, AUTO_ACT),
        (0.5, "payment_hold", True, 50.0, RECOMMEND),
        (0.7, "payment_hold", True, 500.0, RECOMMEND),
        (0.7, "pick_failure", False, 50.0, RECOMMEND),
        (0.9, "fraud_review", True, 10.0, RECOMMEND),
    ],
)
def test_decide_mode_follows_the_policy(risk, exception_type, auto_resolvable, amount, mode):
    decided, reason = decide_mode(
        POLICY,
        risk=risk,
        exception_type=exception_type,
        auto_resolvable=auto_resolvable,
        order_amount=amount,
    )
    assert decided == mode
    assert reason


def test_least_loaded_alternative_picks_another_node_of_the_region():
    nodes = pd.DataFrame(
        {
            "node_id": ["ST-1", "ST-2", "ST-3", "DC-W"],
            "region": ["east", "east", "east", "west"],
            "open_exceptions": [0, 4, 1, 0],
        }
    )
    assert least_loaded_alternative(nodes, "ST-1", "east") == "ST-3"
    assert least_loaded_alternative(nodes, "ST-2", "east") == "ST-1"
    assert least_loaded_alternative(nodes, "DC-W", "west") is None


def test_recommend_actions_takes_the_taxonomy_action_and_names_the_reroute_target():
    taxonomy = load_reference().exception_taxonomy
    scored = pd.DataFrame(
        {
            "risk": [0.8, 0.1],
            "exception_type": ["inventory_mismatch", "payment_hold"],
            "order_amount": [80.0, 30.0],
            "node_id": ["ST-1", "ST-2"],
            "region": ["east", "east"],
        }
    )
    nodes = pd.DataFrame(
        {"node_id": ["ST-1", "ST-2"], "region": ["east", "east"], "open_exceptions": [3, 0]}
    )
    actions = recommend_actions(scored, taxonomy, POLICY, nodes)
    assert (
        actions.loc[0, "recommended_action"]
        == "recount and reroute to another node (suggested: ST-2)"
    )
    assert actions.loc[0, "action_mode"] == RECOMMEND
    assert bool(actions.loc[0, "requires_human"])
    assert actions.loc[1, "recommended_action"] == "retry authorization"
    assert actions.loc[1, "action_mode"] == MONITOR


def test_load_policy_reads_the_shipped_file_and_rejects_inverted_thresholds(tmp_path: Path):
    shipped = load_policy()
    assert shipped.policy.recommend_min_risk <= shipped.policy.auto_act_min_risk
    assert len(shipped.version) == 12
    broken = tmp_path / "policy.yaml"
    broken.write_text(
        "recommend_min_risk: 0.8\nauto_act_min_risk: 0.5\nauto_act_max_order_value: 10\n"
    )
    with pytest.raises(ValueError, match="auto_act_min_risk must not be below"):
        load_policy(broken)
