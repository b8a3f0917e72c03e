"""Explanations on a model trained where only the carrier matters (known by construction)."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from orderlens.triage.explanations import FACTORS, explain, factor_contributions
from orderlens.triage.features import CATEGORICAL_FEATURES, FEATURE_COLUMNS, NUMERIC_FEATURES
from orderlens.triage.model import train_risk_model

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _snapshots(rows: int = 800) -> pd.DataFrame:
    """Random features; an exception breaches when (and only when) its carrier is SlowShip.

    SlowShip is a minority, so the typical carrier (the reference of explanations) is
    FastShip, and SlowShip's rows are explained against it.
    """
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({column: rng.random(rows) for column in NUMERIC_FEATURES})
    for column in CATEGORICAL_FEATURES:
        frame[column] = rng.choice(["a", "b", "c"], size=rows)
    frame["carrier"] = rng.choice(["SlowShip", "FastShip", "MidShip"], size=rows, p=[0.2, 0.5, 0.3])
    frame["will_breach"] = frame["carrier"] == "SlowShip"
    frame["exception_id"] = [f"x{index}" for index in range(rows)]
    frame["snapshot_at"] = [NOW + timedelta(hours=index) for index in range(rows)]
    return frame


def test_factors_cover_every_feature_exactly_once():
    covered = [column for factor in FACTORS for column in factor.columns]
    assert sorted(covered) == sorted(FEATURE_COLUMNS)


def test_explain_names_the_carrier_first_with_the_sign_of_its_effect():
    snapshots = _snapshots()
    model = train_risk_model(snapshots, trained_at=NOW)
    slow = snapshots[snapshots["carrier"] == "SlowShip"].head(3)
    fast = snapshots[snapshots["carrier"] == "FastShip"].head(3)
    slow_words = explain(model, slow)
    assert slow_words["factor_1"].str.startswith("carrier SlowShip").all()
    assert (slow_words["factor_1_points"] > 20).all()
    assert slow_words["explanation"].str.contains("points").all()
    fast_points = factor_contributions(model, fast)
    assert (fast_points["carrier"] <= 0).all()
    assert (
        fast_points["carrier"].abs() >= fast_points.drop(columns="carrier").abs().max(axis=1)
    ).all()
