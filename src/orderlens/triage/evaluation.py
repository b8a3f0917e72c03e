"""Honest backtests of the risk model against the rules-only baseline.

Honest means: the model and the baseline are fitted only on snapshots taken before the
split and whose outcome was known by then, and judged on snapshots taken after it (a
time-based split), or judged on a scenario they never saw. Both are scored on the same
test rows with the same figures:

- AUC: how well the score ranks breaches above non-breaches (0.5 is chance);
- precision at the top of the queue: the share of breaches among the top-ranked rows,
  pooled (the top ``top_share`` of all test rows) and per moment (the top ``k`` of each
  snapshot's queue, averaged over snapshots with at least ``k`` open exceptions);
- Brier score: mean squared error of the probability (lower is better);
- a reliability table: predicted against observed breach rate in ten probability bins.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

from orderlens.triage.baseline import fit_rules_baseline
from orderlens.triage.features import with_known_outcome
from orderlens.triage.model import (
    ModelParameters,
    exception_weights,
    predict_risk,
    train_risk_model,
)

TOP_SHARE = 0.1
"""Pooled precision is taken over this share of the highest-scored test rows."""

QUEUE_K = 5
"""Per-snapshot precision is taken over this many highest-scored open exceptions."""

RELIABILITY_BINS = 10


@dataclass(frozen=True)
class ReliabilityBin:
    """One probability band: how many rows fell in it, what was predicted and observed."""

    lower: float
    upper: float
    rows: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class ScoreMetrics:
    """Ranking and calibration figures of one scorer on one test set."""

    auc: float
    precision_at_top: float
    queue_precision_at_k: float | None
    queues_judged: int
    brier: float
    reliability: list[ReliabilityBin]


@dataclass(frozen=True)
class Backtest:
    """A model and the rules baseline fitted on one set of snapshots and judged on another."""

    name: str
    train_window: tuple[datetime, datetime]
    test_window: tuple[datetime, datetime]
    train_rows: int
    train_exceptions: int
    test_rows: int
    test_exceptions: int
    test_breach_rate: float
    model_version: str
    model: ScoreMetrics
    baseline: ScoreMetrics

    @property
    def auc_gain(self) -> float:
        """Model AUC minus baseline AUC."""
        return self.model.auc - self.baseline.auc

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dictionary, including the gains over the baseline."""
        document = asdict(self)
        document["train_window"] = [moment.isoformat() for moment in self.train_window]
        document["test_window"] = [moment.isoformat() for moment in self.test_window]
        document["gain_over_baseline"] = {
            "auc": self.auc_gain,
            "precision_at_top": self.model.precision_at_top - self.baseline.precision_at_top,
            "brier_reduction": self.baseline.brier - self.model.brier,
        }
        return document


def reliability_table(
    labels: np.ndarray, predicted: np.ndarray, *, bins: int = RELIABILITY_BINS
) -> list[ReliabilityBin]:
    """Observed breach rate per equal-width band of predicted probability (empty bands omitted)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    band = np.clip(np.digitize(predicted, edges[1:-1], right=False), 0, bins - 1)
    table: list[ReliabilityBin] = []
    for index in range(bins):
        inside = band == index
        if not inside.any():
            continue
        table.append(
            ReliabilityBin(
                lower=float(edges[index]),
                upper=float(edges[index + 1]),
                rows=int(inside.sum()),
                mean_predicted=float(predicted[inside].mean()),
                observed_rate=float(labels[inside].mean()),
            )
        )
    return table


def precision_at_top(labels: np.ndarray, scores: np.ndarray, *, share: float = TOP_SHARE) -> float:
    """Share of positives among the ``share`` highest-scored rows (at least one row).

    Ties at the cut are broken by row order after a stable sort on the score, so the
    figure does not depend on the sort algorithm.
    """
    count = max(1, round(share * len(scores)))
    order = np.argsort(-scores, kind="stable")[:count]
    return float(labels[order].mean())


def queue_precision_at_k(
    snapshot_at: pd.Series, labels: np.ndarray, scores: np.ndarray, *, k: int = QUEUE_K
) -> tuple[float | None, int]:
    """Mean share of breaches in the top ``k`` of each snapshot's queue, and queues judged.

    Only snapshots with at least ``k`` open exceptions are judged; ``None`` if none has.
    """
    frame = pd.DataFrame({"at": snapshot_at.to_numpy(), "label": labels, "score": scores})
    shares: list[float] = []
    for _, queue in frame.groupby("at", sort=True):
        if len(queue) < k:
            continue
        top = queue.sort_values("score", ascending=False, kind="stable").head(k)
        shares.append(float(top["label"].mean()))
    return (float(np.mean(shares)) if shares else None), len(shares)


def score_metrics(
    snapshot_at: pd.Series, labels: np.ndarray, predicted: np.ndarray
) -> ScoreMetrics:
    """All figures of one scorer's probabilities against the true outcomes."""
    queue_precision, queues = queue_precision_at_k(snapshot_at, labels, predicted)
    return ScoreMetrics(
        auc=float(roc_auc_score(labels, predicted)),
        precision_at_top=precision_at_top(labels, predicted),
        queue_precision_at_k=queue_precision,
        queues_judged=queues,
        brier=float(brier_score_loss(labels, predicted)),
        reliability=reliability_table(labels, predicted),
    )


def run_backtest(
    name: str,
    training: pd.DataFrame,
    test: pd.DataFrame,
    *,
    trained_at: datetime,
    parameters: ModelParameters | None = None,
) -> Backtest:
    """Fit model and baseline on ``training``, judge both on ``test``.

    Raises:
        ValueError: the test rows hold only one outcome (AUC is undefined).
    """
    if test["will_breach"].nunique() < 2:
        raise ValueError(f"{name}: the test rows hold only one outcome; AUC is undefined")
    model = train_risk_model(training, parameters=parameters, trained_at=trained_at)
    baseline = fit_rules_baseline(training, exception_weights(training))
    labels = test["will_breach"].to_numpy(dtype="int64")
    return Backtest(
        name=name,
        train_window=(model.window_start, model.window_end),
        test_window=(
            test["snapshot_at"].min().to_pydatetime(),
            test["snapshot_at"].max().to_pydatetime(),
        ),
        train_rows=len(training),
        train_exceptions=int(training["exception_id"].nunique()),
        test_rows=len(test),
        test_exceptions=int(test["exception_id"].nunique()),
        test_breach_rate=float(labels.mean()),
        model_version=model.version,
        model=score_metrics(test["snapshot_at"], labels, predict_risk(model, test)),
        baseline=score_metrics(test["snapshot_at"], labels, baseline.predict_risk(test)),
    )


def time_split(
    snapshots: pd.DataFrame, split_at: datetime, end: datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training rows (before ``split_at``, outcome known by then) and test rows (after it).

    Test rows are snapshots at or after ``split_at`` whose outcome is known by ``end``
    (the warehouse's "now").
    """
    training = with_known_outcome(snapshots, split_at)
    later = snapshots[(snapshots["snapshot_at"] >= split_at)]
    test = later[later["outcome_known_at"] <= end].reset_index(drop=True)
    return training, test
