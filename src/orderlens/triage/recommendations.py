"""The next action for each scored exception, bounded by the triage policy.

The action itself comes from the exception taxonomy (``recommended_action``); where it
says to reroute, the least-loaded other node of the same region is named. Whether
orderlens may carry it out comes from ``policy.yaml``: ``auto_act`` only for
auto-resolvable types, at or above the auto-act risk, on orders up to the value limit
and never for types reserved to people; ``recommend`` (a person decides) from the
recommend risk up; ``monitor`` (ranked, no action proposed) below it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from orderlens.contract import ExceptionTaxonomyEntry

AUTO_ACT = "auto_act"
RECOMMEND = "recommend"
MONITOR = "monitor"


class TriagePolicy(BaseModel):
    """Thresholds and limits of automated triage (see ``policy.yaml`` for each field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recommend_min_risk: float = Field(ge=0, le=1)
    auto_act_min_risk: float = Field(ge=0, le=1)
    auto_act_requires_auto_resolvable_type: bool = True
    auto_act_max_order_value: float = Field(ge=0)
    human_required_types: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _auto_act_needs_more_risk(self) -> TriagePolicy:
        if self.auto_act_min_risk < self.recommend_min_risk:
            raise ValueError("auto_act_min_risk must not be below recommend_min_risk")
        return self


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy and the hash of the text it was read from (its version)."""

    policy: TriagePolicy
    version: str
    origin: str


def load_policy(path: Path | None = None) -> LoadedPolicy:
    """Read the triage policy from ``path`` or the shipped ``policy.yaml``.

    Raises:
        ValueError: naming the file and the field that is wrong.
    """
    if path is None:
        text = resources.files("orderlens.triage").joinpath("policy.yaml").read_text()
        origin = "policy.yaml"
    else:
        text = Path(path).read_text()
        origin = str(path)
    try:
        policy = TriagePolicy.model_validate(yaml.safe_load(text) or {})
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "policy"
        raise ValueError(f"{origin}: field {field!r}: {problem['msg']}") from error
    return LoadedPolicy(policy, hashlib.sha256(text.encode()).hexdigest()[:12], origin)


def least_loaded_alternative(
    nodes: pd.DataFrame, node_id: str | None, region: str | None
) -> str | None:
    """The other node of ``region`` with the fewest open exceptions (ties: by id).

    Args:
        nodes: One row per node with ``node_id``, ``region`` and ``open_exceptions``.
        node_id: The node the order is at now (never suggested).
        region: The order's region.
    """
    others = nodes[(nodes["region"] == region) & (nodes["node_id"] != node_id)]
    if others.empty:
        return None
    ranked = others.sort_values(["open_exceptions", "node_id"], kind="stable")
    return str(ranked.iloc[0]["node_id"])


def decide_mode(
    policy: TriagePolicy,
    *,
    risk: float,
    exception_type: str,
    auto_resolvable: bool,
    order_amount: float | None,
) -> tuple[str, str]:
    """The action mode the policy allows and the reason, in words."""
    if risk < policy.recommend_min_risk:
        return (
            MONITOR,
            f"risk {risk:.0%} below the recommend threshold {policy.recommend_min_risk:.0%}",
        )
    if exception_type in policy.human_required_types:
        return RECOMMEND, f"policy reserves {exception_type} to a person"
    if policy.auto_act_requires_auto_resolvable_type and not auto_resolvable:
        return RECOMMEND, f"{exception_type} is not auto-resolvable in the taxonomy"
    if risk < policy.auto_act_min_risk:
        return (
            RECOMMEND,
            f"risk {risk:.0%} below the auto-act threshold {policy.auto_act_min_risk:.0%}",
        )
    if order_amount is None or order_amount > policy.auto_act_max_order_value:
        return (
            RECOMMEND,
            f"order value above the auto-act limit {policy.auto_act_max_order_value:.2f}",
        )
    return AUTO_ACT, "auto-resolvable type, risk and order value within the auto-act policy"


def recommend_actions(
    scored: pd.DataFrame,
    taxonomy: list[ExceptionTaxonomyEntry],
    policy: TriagePolicy,
    nodes: pd.DataFrame,
) -> pd.DataFrame:
    """Recommended action, mode, human requirement and policy reason per scored row.

    Args:
        scored: Rows with ``risk``, ``exception_type``, ``order_amount``, ``node_id`` and
            ``region``.
        taxonomy: The reference exception taxonomy.
        policy: The triage policy.
        nodes: Node load for reroute suggestions (see :func:`least_loaded_alternative`).

    Returns:
        A frame indexed like ``scored`` with ``recommended_action``, ``action_mode``
        (auto_act, recommend or monitor), ``requires_human`` and ``policy_reason``.
    """
    entries = {entry.exception_type: entry for entry in taxonomy}
    rows: list[dict[str, object]] = []
    for _, row in scored.iterrows():
        entry = entries.get(row["exception_type"])
        action = entry.recommended_action if entry and entry.recommended_action else "investigate"
        if "reroute" in action:
            target = least_loaded_alternative(nodes, row["node_id"], row["region"])
            if target is not None:
                action = f"{action} (suggested: {target})"
        amount = row["order_amount"]
        mode, reason = decide_mode(
            policy,
            risk=float(row["risk"]),
            exception_type=str(row["exception_type"]),
            auto_resolvable=bool(entry.auto_resolvable) if entry else False,
            order_amount=None if pd.isna(amount) else float(amount),
        )
        rows.append(
            {
                "recommended_action": action,
                "action_mode": mode,
                "requires_human": mode != AUTO_ACT,
                "policy_reason": reason,
            }
        )
    return pd.DataFrame(
        rows,
        index=scored.index,
        columns=["recommended_action", "action_mode", "requires_human", "policy_reason"],
    )
