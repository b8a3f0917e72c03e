"""The rules-only score: SLA timer first, order value as a bounded tie-breaker."""

import numpy as np
import pandas as pd
import pytest

from orderlens.triage.baseline import fit_rules_baseline, rules_score


def test_rules_score_adds_a_bounded_order_value_term_to_the_sla_fraction():
    frame = pd.DataFrame(
        {"sla_elapsed_fraction": [0.5, 0.5, 0.9], "order_amount": [100.0, 0.0, None]}
    )
    assert rules_score(frame) == pytest.approx([0.6, 0.5, 0.9])


def test_fit_rules_baseline_maps_higher_scores_to_higher_probabilities():
    frame = pd.DataFrame(
        {
            "sla_elapsed_fraction": [0.1, 0.2, 0.3, 0.6, 0.8, 0.9],
            "order_amount": [50.0] * 6,
            "will_breach": [False, False, True, False, True, True],
        }
    )
    baseline = fit_rules_baseline(frame, np.ones(len(frame)))
    risk = baseline.predict_risk(frame)
    assert np.all(np.diff(risk) > 0)
    assert np.all((risk > 0) & (risk < 1))
