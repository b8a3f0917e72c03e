"""The rules-only queue the model must beat: SLA timer first, order value second.

This is how an exception queue is usually worked without a model: oldest against its
SLA first, bigger orders before smaller ones. The score is the elapsed fraction of the
resolution SLA plus a bounded order-value term, so value breaks near-ties but never
outranks a much older exception. To compare calibration (Brier score) fairly, the rules
score is mapped to a probability by a one-variable logistic fit on the same training
rows the model learns from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

VALUE_WEIGHT = 0.2
"""Largest share of an SLA the order-value term can add to the score."""

VALUE_SCALE = 100.0
"""Order amount at which the value term reaches half of :data:`VALUE_WEIGHT`."""


def rules_score(frame: pd.DataFrame) -> np.ndarray:
    """Elapsed SLA fraction plus ``VALUE_WEIGHT * amount / (amount + VALUE_SCALE)``.

    Example:
        An exception 50 % through its SLA on a 100.00 order scores 0.5 + 0.2 * 0.5 = 0.6.
    """
    amount = frame["order_amount"].fillna(0.0).clip(lower=0.0).to_numpy(dtype="float64")
    elapsed = frame["sla_elapsed_fraction"].to_numpy(dtype="float64")
    return elapsed + VALUE_WEIGHT * amount / (amount + VALUE_SCALE)


@dataclass(frozen=True)
class RulesBaseline:
    """The rules score and its probability mapping fitted on training rows."""

    calibration: LogisticRegression

    def predict_risk(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of breach implied by the rules score."""
        if frame.empty:
            return np.empty(0, dtype="float64")
        return self.calibration.predict_proba(rules_score(frame).reshape(-1, 1))[:, 1]


def fit_rules_baseline(training: pd.DataFrame, weights: np.ndarray) -> RulesBaseline:
    """Fit the rules score's probability mapping on labelled training snapshots."""
    calibration = LogisticRegression()
    calibration.fit(
        rules_score(training).reshape(-1, 1), training["will_breach"], sample_weight=weights
    )
    return RulesBaseline(calibration)
