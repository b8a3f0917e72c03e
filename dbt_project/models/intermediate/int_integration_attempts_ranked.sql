{#
    One row per delivery attempt, placed inside its logical message (idempotency key):
    which attempt is last, and whether an ok attempt is a duplicate delivery (an ok for a
    key that had already been delivered ok). Both windows share one partition and order
    (one sort); the running count's frame is spelled in its own window definition, since
    Spark does not let an OVER clause extend a named window.
#}
with

attempts as (

    select * from {{ ref('stg_raw__integration_events') }}

),

ranked as (

    select
        *,
        status <> 'ok' as is_failure,
        count(case when status = 'ok' then 1 end) over message_so_far as ok_deliveries_so_far,
        lead(event_seq) over message_order is null as is_last_in_message

    from attempts
    window
        message_order as (partition by idempotency_key order by attempt, sent_at, event_seq),
        message_so_far as (
            partition by idempotency_key
            order by attempt, sent_at, event_seq
            rows between unbounded preceding and current row
        )

),

final as (

    select
        message_id,
        idempotency_key,
        case_id,
        interface,
        source_system,
        target_system,
        operation,
        status,
        attempt,
        latency_ms,
        is_dead_lettered,
        is_replayed,
        error_message,
        sent_at,
        event_seq,
        is_failure,
        attempt > 1 as is_retry,
        status = 'ok' and ok_deliveries_so_far > 1 as is_duplicate_delivery,
        status = 'ok' and ok_deliveries_so_far = 1 as is_first_delivery,
        is_last_in_message as is_final_attempt

    from ranked

)

select * from final
