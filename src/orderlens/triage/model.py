"""The SLA-breach risk model: gradient-boosted trees on point-in-time snapshots.

scikit-learn's ``HistGradientBoostingClassifier`` handles missing values and categorical
columns natively, so node, carrier and supplier go in as categories without a one-hot
explosion. Each training row is one exception at one snapshot time (see
:mod:`orderlens.triage.features`); an exception open for days appears in many snapshots,
so rows are weighted by one over the exception's snapshot count and every exception
counts once, however long it stayed open.

The model version is a hash of the training window, the training rows and the
parameters: the same history and settings give the same version, anything else a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from orderlens.triage.features import CATEGORICAL_FEATURES, FEATURE_COLUMNS, NUMERIC_FEATURES

MODEL_FILE_NAME = "sla_breach_risk.joblib"
"""File name of the current model in ``settings.models_dir``."""

MIN_TRAINING_EXCEPTIONS = 20
"""Fewer labelled exceptions than this (or one class only) is not history enough."""


@dataclass(frozen=True)
class ModelParameters:
    """Hyper-parameters of the classifier, chosen for small, noisy operational histories.

    Shallow trees, a slow learning rate and large leaves keep a model trained on a few
    hundred exceptions from memorising them.
    """

    max_iter: int = 80
    learning_rate: float = 0.05
    max_leaf_nodes: int = 8
    min_samples_leaf: int = 80
    l2_regularization: float = 1.0
    random_state: int = 0


class InsufficientHistoryError(ValueError):
    """The training snapshots cannot support a model (too few exceptions or one outcome)."""


@dataclass(frozen=True)
class RiskModel:
    """A trained model with everything needed to score, explain and audit it.

    Attributes:
        estimator: The fitted classifier.
        version: Hash of training window, rows and parameters.
        parameters: The hyper-parameters used.
        categories: Known categories per categorical feature (unseen ones score as missing).
        typical_values: Median (numeric) or most frequent (categorical) training value per
            feature: the reference point of explanations.
        window_start: Earliest snapshot in the training rows.
        window_end: Latest snapshot in the training rows.
        training_rows: Snapshot rows trained on.
        training_exceptions: Distinct exceptions trained on.
        breach_share: Weighted share of exceptions that breached.
        trained_at: When the model was fitted.
    """

    estimator: HistGradientBoostingClassifier
    version: str
    parameters: ModelParameters
    categories: dict[str, list[str]]
    typical_values: dict[str, object]
    window_start: datetime
    window_end: datetime
    training_rows: int
    training_exceptions: int
    breach_share: float
    trained_at: datetime
    feature_columns: tuple[str, ...] = field(default=FEATURE_COLUMNS)


def encode_features(frame: pd.DataFrame, categories: dict[str, list[str]]) -> pd.DataFrame:
    """The model's input matrix: categoricals as pandas categories with fixed levels."""
    encoded = pd.DataFrame(index=frame.index)
    for column in CATEGORICAL_FEATURES:
        encoded[column] = pd.Categorical(frame[column], categories=categories[column])
    for column in NUMERIC_FEATURES:
        encoded[column] = frame[column].astype("float64")
    return encoded[list(FEATURE_COLUMNS)]


def exception_weights(snapshots: pd.DataFrame) -> np.ndarray:
    """One over the number of snapshots of each row's exception (each exception weighs 1)."""
    counts = snapshots.groupby("exception_id")["exception_id"].transform("size")
    return (1.0 / counts).to_numpy(dtype="float64")


def model_version(training: pd.DataFrame, parameters: ModelParameters) -> str:
    """Twelve hex digits hashing the training window, the rows and the parameters."""
    content = pd.util.hash_pandas_object(
        training[["snapshot_at", "exception_id", "will_breach"]], index=False
    )
    document = {
        "window_start": training["snapshot_at"].min().isoformat(),
        "window_end": training["snapshot_at"].max().isoformat(),
        "rows": len(training),
        "content": int(content.sum() % (2**63)),
        "parameters": parameters.__dict__,
        "features": list(FEATURE_COLUMNS),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:12]


def _typical_values(training: pd.DataFrame) -> dict[str, object]:
    typical: dict[str, object] = {}
    for column in CATEGORICAL_FEATURES:
        counts = training[column].dropna().value_counts()
        typical[column] = str(counts.index[0]) if len(counts) else None
    for column in NUMERIC_FEATURES:
        typical[column] = float(training[column].median())
    return typical


def train_risk_model(
    training: pd.DataFrame,
    *,
    parameters: ModelParameters | None = None,
    trained_at: datetime,
) -> RiskModel:
    """Fit the classifier on labelled snapshots (``will_breach`` is the label).

    Args:
        training: Snapshots from :func:`~orderlens.triage.features.build_snapshots`,
            already restricted to outcomes known at training time.
        parameters: Hyper-parameters; the defaults when ``None``.
        trained_at: Time stamp recorded with the model.

    Raises:
        InsufficientHistoryError: fewer than :data:`MIN_TRAINING_EXCEPTIONS` exceptions,
            or only one outcome among them.
    """
    parameters = parameters or ModelParameters()
    exceptions = training["exception_id"].nunique()
    outcomes = training["will_breach"].nunique()
    if exceptions < MIN_TRAINING_EXCEPTIONS or outcomes < 2:
        raise InsufficientHistoryError(
            f"{exceptions} labelled exceptions with {outcomes} outcome(s): need at least "
            f"{MIN_TRAINING_EXCEPTIONS} and both breached and met ones"
        )
    categories = {
        column: sorted(str(value) for value in training[column].dropna().unique())
        for column in CATEGORICAL_FEATURES
    }
    weights = exception_weights(training)
    estimator = HistGradientBoostingClassifier(
        categorical_features="from_dtype", early_stopping=False, **parameters.__dict__
    )
    estimator.fit(
        encode_features(training, categories), training["will_breach"], sample_weight=weights
    )
    return RiskModel(
        estimator=estimator,
        version=model_version(training, parameters),
        parameters=parameters,
        categories=categories,
        typical_values=_typical_values(training),
        window_start=training["snapshot_at"].min().to_pydatetime(),
        window_end=training["snapshot_at"].max().to_pydatetime(),
        training_rows=len(training),
        training_exceptions=int(exceptions),
        breach_share=float(np.average(training["will_breach"], weights=weights)),
        trained_at=trained_at,
    )


def predict_risk(model: RiskModel, frame: pd.DataFrame) -> np.ndarray:
    """Probability that each row's exception breaches its resolution SLA."""
    if frame.empty:
        return np.empty(0, dtype="float64")
    return model.estimator.predict_proba(encode_features(frame, model.categories))[:, 1]


def save_model(model: RiskModel, directory: Path) -> Path:
    """Write the model to ``directory / MODEL_FILE_NAME`` (replacing the previous one)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE_NAME
    temporary = path.with_suffix(".tmp")
    joblib.dump(model, temporary)
    temporary.replace(path)
    return path


def load_model(directory: Path) -> RiskModel:
    """Read the model saved by :func:`save_model`.

    Raises:
        FileNotFoundError: no model has been trained into ``directory`` yet.
    """
    path = directory / MODEL_FILE_NAME
    if not path.exists():
        raise FileNotFoundError(f"no risk model at {path}: run `orderlens triage train` first")
    return joblib.load(path)
