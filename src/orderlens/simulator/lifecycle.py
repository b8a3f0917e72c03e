"""Exception lifecycles: detection, automatic retries, triage, escalation, decisions,
resolution and reopening, generated for a whole batch of exceptions at once.

Each exception follows the taxonomy of the reference data: the owning team works it (in
its working hours), an auto-resolvable type is often closed by a bot after a few retries,
an escalation goes to the first step of the type's escalation path. The events it writes
carry the exception id, type, lifecycle stage and reason code, and the ground truth of
every exception is recorded as of the simulated horizon, following exactly the lifecycle
semantics the marts implement (first response = the first event after detection,
resolution = the last resolving event not followed by a reopening, and so on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orderlens.contract import ExceptionStage, ResourceType
from orderlens.simulator.context import ChunkContext
from orderlens.simulator.events import NONE

MAX_RATE = 0.95
"""Cap on a rate multiplied by injected causes."""


@dataclass(frozen=True)
class ExceptionOutcome:
    """What a batch of exceptions means for the orders they hit.

    Attributes:
        index: Local number of each exception in the chunk (what events carry).
        resolved_at: When each was first resolved (the order continues from there),
            regardless of the horizon.
        rejected: The decision step rejected it (for example a fraud review).
        is_auto: Closed by a bot without a person.
    """

    index: np.ndarray
    resolved_at: np.ndarray
    rejected: np.ndarray
    is_auto: np.ndarray


def draw_exceptions(
    context: ChunkContext,
    exception_type: str,
    *,
    at: np.ndarray,
    dimensions: dict[str, np.ndarray | str],
    rate: float | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decide which units get an exception of ``exception_type``.

    The configured rate (or ``rate``) is multiplied by every injected cause whose scope
    holds the unit (its time ``at`` and its ``dimensions``).

    Returns:
        The mask of units with an exception and, per unit, the index of the scenario
        cause whose scope holds it (-1 when none).
    """
    size = len(at)
    base = context.parameters.exceptions[exception_type].rate if rate is None else rate
    probability = np.broadcast_to(np.asarray(base, dtype=float), (size,)).copy()
    cause_index = np.full(size, NONE, dtype=np.int32)
    for number, cause in enumerate(context.scenario.causes):
        if cause.exception_type != exception_type:
            continue
        inside = context.in_scope(cause, at, dimensions)
        probability[inside] *= cause.rate_multiplier
        cause_index[inside & (cause_index < 0)] = number
    np.minimum(probability, MAX_RATE, out=probability)
    return context.rng.random(size) < probability, cause_index


def _slug(team: str) -> str:
    return team.lower().replace(" ", "-")


def _keep(previous: np.ndarray, mask: np.ndarray, at: np.ndarray) -> np.ndarray:
    return np.where(mask, at, previous)


def run_exceptions(
    context: ChunkContext,
    exception_type: str,
    *,
    order: np.ndarray,
    detected_at: np.ndarray,
    cause: np.ndarray | None = None,
    **where: np.ndarray,
) -> ExceptionOutcome:
    """Generate the lifecycle events of one exception per entry of ``order``.

    Args:
        context: The chunk being generated.
        exception_type: A type of the taxonomy.
        order: Local order index of each exception.
        detected_at: Detection time of each (UNIX seconds).
        cause: Scenario cause index per exception (-1 for none), for the ground truth.
        **where: Event columns describing where it happened (``node``, ``region``,
            ``carrier``, ``supplier``, ``line``, ``shipment``, ``payment``, ``return_``).
    """
    profile = context.parameters.exceptions[exception_type]
    entry = context.taxonomy[exception_type]
    lifecycle = context.parameters.lifecycle
    rng = context.rng
    strings = context.strings
    count = len(order)
    index = np.arange(context.next_exception, context.next_exception + count, dtype=np.int64)
    context.next_exception += count
    if count == 0:
        empty = np.zeros(0)
        return ExceptionOutcome(index, empty, empty.astype(bool), empty.astype(bool))

    team = entry.owning_team
    sigma = lifecycle.delay_sigma
    auto = entry.auto_resolvable & context.chance(profile.auto_share, count)
    retries = np.where(
        auto,
        rng.integers(1, lifecycle.max_auto_retries + 1, count),
        1 if entry.auto_resolvable else 0,
    )
    reasons = strings.codes(profile.reason_codes)
    reason = reasons[rng.integers(0, len(reasons), count)]
    members = strings.codes(
        [f"{_slug(team)}.{k + 1:02d}" for k in range(context.parameters.size_of(team))]
    )
    member = members[rng.integers(0, len(members), count)]
    lead = entry.escalation_path.split(">")[0].strip()
    detect_system, detector = profile.detected_by
    type_code = strings.code(exception_type)
    common = {"exception": index, "exception_type": type_code, "reason": reason}
    common |= {"channel": context.channel[order]}
    common |= where

    def emit(mask: np.ndarray, at: np.ndarray, stage: str, activity: str, **columns) -> None:
        selected = {
            name: (value[mask] if isinstance(value, np.ndarray) else value)
            for name, value in (common | columns).items()
        }
        context.workflow.add(
            order[mask], at[mask], activity=f"{profile.label} {activity}", stage=stage, **selected
        )

    everyone = np.ones(count, dtype=bool)
    system = ResourceType.SYSTEM.value
    human = ResourceType.HUMAN.value
    bot = ResourceType.BOT.value
    emit(
        everyone,
        detected_at,
        ExceptionStage.DETECTED.value,
        "Detected",
        source_system=detect_system,
        resource=detector,
        resource_type=system,
    )
    clock = detected_at.copy()
    first_response = np.full(count, np.nan)
    for attempt in range(lifecycle.max_auto_retries):
        mask = retries > attempt
        if not mask.any():
            break
        wait = context.lognormal(lifecycle.auto_retry_minutes * 60.0 * 2**attempt, sigma, count)
        clock = _keep(clock, mask, clock + 1.0 + wait)
        if attempt == 0:
            first_response = np.where(mask, clock, first_response)
        emit(
            mask,
            clock,
            ExceptionStage.AUTO_RETRY.value,
            "Auto-Retry",
            source_system=detect_system,
            resource=f"bot.{_slug(profile.label)}",
            resource_type=bot,
        )
    auto_resolved_at = clock + 1.0 + context.lognormal(30.0, sigma, count)
    emit(
        auto,
        auto_resolved_at,
        ExceptionStage.RESOLVED_AUTO.value,
        "Resolved Automatically",
        source_system=detect_system,
        resource=f"bot.{_slug(profile.label)}",
        resource_type=bot,
    )

    manual = ~auto
    people = {"source_system": profile.worked_in, "resource_type": human}
    assigned = context.working_time(
        clock + 1.0 + context.lognormal(profile.response_minutes * 60.0, sigma, count), team
    )
    first_response = np.where(np.isnan(first_response), assigned, first_response)
    emit(manual, assigned, ExceptionStage.ASSIGNED.value, "Assigned", resource=member, **people)
    clock = assigned
    escalated = manual & context.chance(profile.escalation_rate, count)
    escalated_at = context.working_time(
        clock + 1.0 + context.lognormal(lifecycle.escalation_minutes * 60.0, sigma, count), team
    )
    emit(
        escalated,
        escalated_at,
        ExceptionStage.ESCALATED.value,
        "Escalated",
        resource=lead,
        **people,
    )
    clock = _keep(clock, escalated, escalated_at)
    rejected = np.zeros(count, dtype=bool)
    decided = manual & (profile.decision == "approve")
    decided_at = context.working_time(
        clock + 1.0 + context.lognormal(lifecycle.decision_minutes * 60.0, sigma, count), team
    )
    if decided.any():
        rejected = decided & context.chance(profile.reject_rate, count)
        approved = decided & ~rejected
        emit(
            approved,
            decided_at,
            ExceptionStage.APPROVED.value,
            "Approved",
            resource=member,
            **people,
        )
        emit(
            rejected,
            decided_at,
            ExceptionStage.REJECTED.value,
            "Rejected",
            resource=member,
            **people,
        )
        clock = _keep(clock, decided, decided_at)
    manual_resolved_at = context.working_time(
        clock + 1.0 + context.lognormal(profile.work_minutes * 60.0, sigma, count), team
    )
    emit(
        manual,
        manual_resolved_at,
        ExceptionStage.RESOLVED_MANUAL.value,
        "Resolved Manually",
        resource=member,
        **people,
    )
    resolved_at = np.where(auto, auto_resolved_at, manual_resolved_at)

    reopened = ~rejected & context.chance(profile.reopen_rate, count)
    reopened_at = (
        resolved_at + 60.0 + context.lognormal(lifecycle.reopen_minutes * 60.0, sigma, count)
    )
    emit(
        reopened,
        reopened_at,
        ExceptionStage.REOPENED.value,
        "Reopened",
        source_system=detect_system,
        resource=detector,
        resource_type=system,
    )
    resolved_again_at = context.working_time(
        reopened_at + 1.0 + context.lognormal(profile.work_minutes * 60.0, sigma, count), team
    )
    emit(
        reopened,
        resolved_again_at,
        ExceptionStage.RESOLVED_MANUAL.value,
        "Resolved Manually",
        resource=member,
        **people,
    )

    _record_truth(
        context,
        exception_type=type_code,
        order=order,
        index=index,
        cause=np.full(count, NONE, dtype=np.int32) if cause is None else cause,
        detected_at=detected_at,
        first_response=first_response,
        auto=auto,
        resolved_at=resolved_at,
        reopened=reopened,
        reopened_at=reopened_at,
        resolved_again_at=resolved_again_at,
        human_times=[
            np.where(manual, assigned, np.inf),
            np.where(escalated, escalated_at, np.inf),
            np.where(decided, decided_at, np.inf),
            np.where(manual, manual_resolved_at, np.inf),
            np.where(reopened, resolved_again_at, np.inf),
        ],
        escalated_at=np.where(escalated, escalated_at, np.inf),
        where=where,
    )
    return ExceptionOutcome(index, resolved_at, rejected, auto)


def _record_truth(
    context: ChunkContext,
    *,
    exception_type: int,
    order: np.ndarray,
    index: np.ndarray,
    cause: np.ndarray,
    detected_at: np.ndarray,
    first_response: np.ndarray,
    auto: np.ndarray,
    resolved_at: np.ndarray,
    reopened: np.ndarray,
    reopened_at: np.ndarray,
    resolved_again_at: np.ndarray,
    human_times: list[np.ndarray],
    escalated_at: np.ndarray,
    where: dict[str, np.ndarray],
) -> None:
    """Record the exceptions as they stand at the horizon (later events not happened)."""
    horizon = context.horizon
    count = len(order)
    reopened_in = reopened & (reopened_at <= horizon)
    final_resolution = np.where(reopened_in, resolved_again_at, resolved_at)
    resolved = np.where(final_resolution <= horizon, final_resolution, np.nan)
    touches = sum((times <= horizon).astype(np.int32) for times in human_times)

    def located(name: str) -> np.ndarray:
        value = where.get(name)
        if value is None:
            return np.full(count, NONE, dtype=np.int32)
        return np.broadcast_to(np.asarray(value), (count,))

    context.exceptions.add(
        index=index,
        order=order,
        exception_type=np.full(count, exception_type, dtype=np.int32),
        cause=cause,
        detected_at=detected_at,
        first_response_at=np.where(first_response <= horizon, first_response, np.nan),
        resolved_at=resolved,
        is_auto_resolved=auto & ~reopened_in & ~np.isnan(resolved),
        touches=touches,
        escalations=(escalated_at <= horizon).astype(np.int32),
        is_reopened=reopened_in,
        node=located("node"),
        carrier=located("carrier"),
        supplier=located("supplier"),
    )
