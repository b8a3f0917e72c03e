"""Middleware messages: attempts, retries with backoff, dead letters, replays, duplicates.

Every handoff between two systems is one logical message (one idempotency key) with one
or more delivery attempts. An attempt fails with the interface's failure rate (a time-out
or a 5xx) and is retried with exponential backoff; after the last allowed attempt the
message is dead-lettered and later replayed by an operator. Some confirmations are
delivered twice. Business exceptions that an integration problem causes are *forced*
onto their message: a rejected (4xx) or dead-lettered message whose recovery happens
when the exception is resolved, so the failure and the exception share the order's
correlation id and the failing attempt precedes the detection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orderlens.contract import MessageStatus
from orderlens.simulator.context import ChunkContext
from orderlens.simulator.events import NONE

_SERVER_ERROR_TEXT = "HTTP 503 Service Unavailable"


@dataclass
class MessageBatch:
    """Attempts of a batch of messages, sampled but not yet written.

    Forced failures need the time their exception is resolved before the recovering
    attempt can be placed, so a batch is prepared first (:func:`prepare_messages`),
    exposes when each forced failure was answered (``failed_until``), and is written by
    :meth:`deliver`.
    """

    context: ChunkContext
    interface_code: int
    order: np.ndarray
    instance: np.ndarray
    row_message: np.ndarray
    attempt: np.ndarray
    sent_at: np.ndarray
    latency_ms: np.ndarray
    status: np.ndarray
    dead_lettered: np.ndarray
    replayed: np.ndarray
    error: np.ndarray
    success_row: np.ndarray
    duplicate_row: np.ndarray
    forced: np.ndarray
    failed_until: np.ndarray

    def deliver(
        self, recover_at: np.ndarray | None = None, abandoned: np.ndarray | None = None
    ) -> np.ndarray:
        """Write the attempts and return when each message reached its target.

        Args:
            recover_at: For forced failures, when the exception was resolved and the
                message was re-sent (ignored for the others).
            abandoned: Forced failures never re-sent (the order was cancelled); their
                recovering attempts are not written and their arrival is NaN.
        """
        if recover_at is not None and self.forced.any():
            forced_rows = self.success_row[self.forced]
            earliest = self.failed_until[self.forced] + 1.0
            moved = np.maximum(np.asarray(recover_at)[self.forced], earliest)
            shift = moved - self.sent_at[forced_rows]
            self.sent_at[forced_rows] = moved
            has_duplicate = self.duplicate_row[self.forced] >= 0
            duplicate_rows = self.duplicate_row[self.forced][has_duplicate]
            self.sent_at[duplicate_rows] += shift[has_duplicate]
        rows = np.ones(len(self.row_message), dtype=bool)
        arrival = self.sent_at[self.success_row] + self.latency_ms[self.success_row] / 1000.0
        if abandoned is not None:
            dropped = abandoned & self.forced
            rows[self.success_row[dropped]] = False
            rows[self.duplicate_row[dropped & (self.duplicate_row >= 0)]] = False
            arrival = np.where(dropped, np.nan, arrival)
        self.context.integration.add(
            order=self.order[self.row_message[rows]],
            interface=np.full(int(rows.sum()), self.interface_code, dtype=np.int32),
            instance=self.instance[self.row_message[rows]],
            attempt=self.attempt[rows],
            sent_at=self.sent_at[rows],
            latency_ms=self.latency_ms[rows],
            status=self.status[rows],
            dead_lettered=self.dead_lettered[rows],
            replayed=self.replayed[rows],
            error=self.error[rows],
        )
        return arrival

    @property
    def duplicated_at(self) -> np.ndarray:
        """Arrival time of the duplicate delivery per message (NaN without one)."""
        arrival = np.full(len(self.order), np.nan)
        has = self.duplicate_row >= 0
        rows = self.duplicate_row[has]
        arrival[has] = self.sent_at[rows] + self.latency_ms[rows] / 1000.0
        return arrival


def prepare_messages(
    context: ChunkContext,
    interface: str,
    *,
    order: np.ndarray,
    at: np.ndarray,
    instance: np.ndarray | int = 1,
    forced_status: MessageStatus | None = None,
    forced: np.ndarray | None = None,
    forced_error: str | None = None,
    forced_dead_letter: bool = True,
    duplicate: np.ndarray | None = None,
    failure_rate: np.ndarray | None = None,
    timeout_share: np.ndarray | None = None,
) -> MessageBatch:
    """Sample the delivery attempts of one message per order.

    Args:
        context: The chunk being generated.
        interface: Interface name, ``SOURCE->TARGET:operation``.
        order: Local order index per message.
        at: When each message is first sent (UNIX seconds).
        instance: Number telling apart messages of one operation for one order.
        forced_status: Status of the failing attempts of forced messages.
        forced: Which messages fail because of a business exception.
        forced_error: Error text of forced failures.
        forced_dead_letter: Forced failures are retried until dead-lettered (else a
            4xx answer that a later, non-replayed attempt supersedes).
        duplicate: Which messages are forced to be delivered twice.
        failure_rate: Per-message failure rate overriding the interface's.
        timeout_share: Per-message share of failures that are time-outs.
    """
    profile = context.parameters.integration
    spec = profile.interfaces[interface]
    rng = context.rng
    strings = context.strings
    count = len(order)
    rate = spec.failure_rate if failure_rate is None else failure_rate
    forced = np.zeros(count, dtype=bool) if forced is None else forced
    max_attempts = profile.max_attempts
    failures = np.minimum(rng.geometric(1.0 - np.asarray(rate), count) - 1, max_attempts)
    dead = failures >= max_attempts
    client_forced = forced & (forced_status == MessageStatus.CLIENT_ERROR)
    retry_forced = forced & ~client_forced
    failures = np.where(client_forced, 1, np.where(retry_forced, max_attempts, failures))
    dead = np.where(forced, forced_dead_letter, dead)
    duplicated = context.chance(profile.duplicate_rate, count)
    if duplicate is not None:
        duplicated |= duplicate
    rows_per = failures + 1 + duplicated
    starts = (np.cumsum(rows_per) - rows_per).astype(np.int64)
    total = int(rows_per.sum())
    row_message = np.repeat(np.arange(count), rows_per)
    rank = np.arange(total) - starts[row_message]
    failed = rank < failures[row_message]
    is_success = rank == failures[row_message]
    is_duplicate = rank > failures[row_message]

    timeout_chance = spec.timeout_share if timeout_share is None else timeout_share
    natural_timeout = rng.random(total) < np.broadcast_to(timeout_chance, (count,))[row_message]
    status_codes = strings.codes([status.value for status in MessageStatus])
    ok, client, server, timeout = (int(code) for code in status_codes)
    status = np.full(total, ok, dtype=np.int32)
    status[failed & natural_timeout] = timeout
    status[failed & ~natural_timeout] = server
    if forced_status is not None:
        forced_rows = failed & forced[row_message]
        status[forced_rows] = strings.code(forced_status.value)

    median = spec.latency_ms
    latency = context.lognormal(median, 0.5, total)
    latency = np.where(status == timeout, profile.timeout_ms, latency)
    latency = np.where(status == server, latency * 0.3, latency)
    latency = np.where(status == client, latency * 0.5, latency)

    previous_latency = np.concatenate(([0.0], latency[:-1]))
    backoff = profile.backoff_seconds * 2.0 ** np.maximum(rank - 1, 0)
    gap = previous_latency / 1000.0 + backoff * rng.uniform(0.8, 1.2, total)
    replay = context.lognormal(profile.replay_minutes_median * 60.0, 0.6, total)
    after_dead = is_success & dead[row_message]
    gap = np.where(after_dead, previous_latency / 1000.0 + replay, gap)
    gap = np.where(is_duplicate, previous_latency / 1000.0 + rng.uniform(1.0, 60.0, total), gap)
    gap[rank == 0] = 0.0
    cumulative = np.cumsum(gap)
    sent_at = at[row_message] + cumulative - cumulative[starts][row_message]

    success_row = starts + failures
    duplicate_row = np.where(duplicated, success_row + 1, NONE)
    last_failure = np.maximum(success_row - 1, 0)
    failed_until = np.where(
        failures > 0, sent_at[last_failure] + latency[last_failure] / 1000.0, np.nan
    )
    dead_lettered = failed & dead[row_message] & (rank == failures[row_message] - 1)
    replayed = is_success & dead[row_message]
    replayed |= is_duplicate & dead[row_message]

    error = np.full(total, NONE, dtype=np.int32)
    error[status == server] = strings.code(_SERVER_ERROR_TEXT)
    error[status == timeout] = strings.code(f"timed out after {profile.timeout_ms:.0f} ms")
    if forced_status is not None:
        text = forced_error or f"HTTP {forced_status.value} rejected"
        error[failed & forced[row_message]] = strings.code(text)
    return MessageBatch(
        context=context,
        interface_code=strings.code(interface),
        order=order,
        instance=np.broadcast_to(np.asarray(instance, dtype=np.int32), (count,)).copy(),
        row_message=row_message,
        attempt=(rank + 1).astype(np.int32),
        sent_at=sent_at,
        latency_ms=latency,
        status=status,
        dead_lettered=dead_lettered,
        replayed=replayed,
        error=error,
        success_row=success_row,
        duplicate_row=duplicate_row,
        forced=forced,
        failed_until=failed_until,
    )


def send_messages(
    context: ChunkContext,
    interface: str,
    *,
    order: np.ndarray,
    at: np.ndarray,
    instance: np.ndarray | int = 1,
    failure_rate: np.ndarray | None = None,
    timeout_share: np.ndarray | None = None,
) -> np.ndarray:
    """Send one message per order with no business failure forced; return arrival times."""
    return prepare_messages(
        context,
        interface,
        order=order,
        at=at,
        instance=instance,
        failure_rate=failure_rate,
        timeout_share=timeout_share,
    ).deliver()
