"""Plain-word reasons for a risk score: which factors raise or lower it, by how much.

The method is deliberately simple and checkable. For each factor (a group of features
that describe one thing, such as the carrier and its recent exception count), the row is
scored again with that group replaced by its typical training value (median, or most
frequent category); the factor's contribution is the score minus that counterfactual
score, in points of probability (one point = 1 %). Contributions of different factors
need not add up to the score: trees interact. The three largest in absolute value are
the explanation, e.g. ``carrier SwiftShip +18 points; SLA timer 80 % elapsed +9 points``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orderlens.display_names import humanize_code
from orderlens.triage.model import RiskModel, predict_risk


@dataclass(frozen=True)
class Factor:
    """A named group of features and how to describe a row's value of it in words."""

    name: str
    columns: tuple[str, ...]
    describe: Callable[[pd.Series], str]


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _weekday(iso_day: object) -> str:
    """The name of an ISO day of the week (1 = Monday), as the features store it."""
    try:
        return WEEKDAYS[int(iso_day) - 1]
    except (TypeError, ValueError, IndexError):
        return "day unknown"


def _text(value: object) -> str:
    return (
        "unknown" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    )


def _worded(code: object) -> str:
    """A code in people's words (the display-name fallback), "unknown" when missing."""
    text = _text(code)
    return text if text == "unknown" else humanize_code(text)


FACTORS: tuple[Factor, ...] = (
    Factor(
        "sla_timer",
        ("minutes_open", "sla_elapsed_fraction", "minutes_to_due"),
        lambda row: f"SLA timer {row['sla_elapsed_fraction']:.0%} elapsed",
    ),
    Factor(
        "exception_type",
        (
            "exception_type",
            "exception_class",
            "owning_team",
            "is_auto_resolvable_type",
            "resolution_sla_minutes",
            "first_response_sla_minutes",
            "reason_code",
        ),
        lambda row: f"{_worded(row['exception_type'])} ({_worded(row['reason_code']).lower()})",
    ),
    Factor(
        "first_response",
        ("has_first_response", "is_first_response_overdue"),
        lambda row: (
            "no first response yet" if not row["has_first_response"] else "first response given"
        ),
    ),
    Factor(
        "handling",
        ("events_so_far", "touches_so_far", "auto_retries_so_far", "minutes_since_last_event"),
        lambda row: (
            f"{row['touches_so_far']:.0f} manual touches, "
            f"{row['auto_retries_so_far']:.0f} auto retries, "
            f"idle {row['minutes_since_last_event']:.0f} min"
        ),
    ),
    Factor(
        "escalation",
        ("escalations_so_far",),
        lambda row: "escalated" if row["escalations_so_far"] else "not escalated",
    ),
    Factor(
        "reopened",
        ("reopens_so_far",),
        lambda row: "reopened" if row["reopens_so_far"] else "never reopened",
    ),
    Factor("order_value", ("order_amount",), lambda row: f"order value {row['order_amount']:.2f}"),
    Factor(
        "promise",
        ("hours_to_promise",),
        lambda row: f"customer promise in {row['hours_to_promise']:.0f} h",
    ),
    Factor(
        "order_exceptions",
        ("order_other_exceptions",),
        lambda row: f"{row['order_other_exceptions']:.0f} other exceptions on the order",
    ),
    Factor(
        "node",
        ("node_id", "node_open_exceptions", "node_opened_24h", "node_opened_ratio"),
        lambda row: (
            f"node {_text(row['node_id'])} load ({row['node_open_exceptions']:.0f} open, "
            f"{row['node_opened_24h']:.0f} new in 24 h)"
        ),
    ),
    Factor(
        "team_queue",
        ("team_open_exceptions",),
        lambda row: f"team queue {row['team_open_exceptions']:.0f} open",
    ),
    Factor(
        "carrier",
        ("carrier", "carrier_opened_24h", "carrier_opened_ratio"),
        lambda row: (
            f"carrier {_text(row['carrier'])} "
            f"({row['carrier_opened_24h']:.0f} new exceptions in 24 h)"
        ),
    ),
    Factor(
        "supplier",
        ("supplier", "supplier_opened_24h", "supplier_opened_ratio"),
        lambda row: (
            f"supplier {_text(row['supplier'])} "
            f"({row['supplier_opened_24h']:.0f} new exceptions in 24 h)"
        ),
    ),
    Factor(
        "type_surge",
        ("type_opened_24h", "type_opened_ratio"),
        lambda row: (
            f"{row['type_opened_24h']:.0f} new {humanize_code(row['exception_type']).lower()} "
            "exceptions in 24 h"
        ),
    ),
    Factor(
        "integration",
        ("integration_failure_rate_6h", "order_integration_failures"),
        lambda row: (
            f"integration failures ({row['integration_failure_rate_6h']:.0%} of calls in 6 h, "
            f"{row['order_integration_failures']:.0f} on the order)"
        ),
    ),
    Factor(
        "where",
        ("channel", "region", "source_system"),
        lambda row: f"channel {_text(row['channel'])} in {_text(row['region'])}",
    ),
    Factor(
        "calendar",
        ("hour_of_day", "day_of_week"),
        lambda row: (
            f"detected on a {_weekday(row['day_of_week'])} at {row['hour_of_day']:02.0f}:00 UTC"
        ),
    ),
)
"""The factors explanations speak of; together they cover every model feature."""

TOP_FACTORS = 3


def factor_contributions(model: RiskModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Contribution of each factor to each row's risk, in points (one row per input row).

    Returns:
        A frame indexed like ``frame`` with one float column per factor name.
    """
    risk = predict_risk(model, frame)
    contributions = pd.DataFrame(index=frame.index)
    for factor in FACTORS:
        counterfactual = frame.copy()
        for column in factor.columns:
            counterfactual[column] = model.typical_values[column]
        contributions[factor.name] = 100.0 * (risk - predict_risk(model, counterfactual))
    return contributions


def explain(model: RiskModel, frame: pd.DataFrame, *, top: int = TOP_FACTORS) -> pd.DataFrame:
    """The ``top`` strongest factors of each row, in words and points.

    Returns:
        A frame indexed like ``frame`` with ``explanation`` (the factors joined by "; "),
        and ``factor_1``..``factor_<top>`` / ``factor_<i>_points`` columns.
    """
    contributions = factor_contributions(model, frame)
    by_name = {factor.name: factor for factor in FACTORS}
    rows: list[dict[str, object]] = []
    for index, row in frame.iterrows():
        ranked = contributions.loc[index].abs().sort_values(ascending=False, kind="stable")
        record: dict[str, object] = {}
        parts: list[str] = []
        for position, name in enumerate(ranked.index[:top], start=1):
            points = float(contributions.at[index, name])
            words = by_name[name].describe(row)
            record[f"factor_{position}"] = words
            record[f"factor_{position}_points"] = round(points, 1)
            parts.append(f"{words} {points:+.0f} points")
        record["explanation"] = "; ".join(parts)
        rows.append(record)
    return pd.DataFrame(rows, index=frame.index)
