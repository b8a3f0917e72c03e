{#
    Events that carry an exception_id, split into the exception's lifecycle and its effects.
    The lifecycle is the events with an exception_stage, numbered in case order (event
    time, then arrival order). Events without a stage (an expedite, a cancellation, a refund
    carrying the exception_id) are effects: kept for attribution and cost, never a touch, a
    lifecycle event or a first response, and they get no lifecycle_index. An exception
    with no staged event at all (a log without stages) has all its events as lifecycle.
#}
with

workflow_events as (

    select * from {{ ref('stg_raw__workflow_events') }}
    where exception_id is not null

),

classified as (

    select
        *,
        exception_stage is not null
        or count(exception_stage) over (partition by exception_id) = 0 as is_lifecycle

    from workflow_events

),

sequenced as (

    select
        exception_id,
        event_id,
        case_id,
        activity,
        event_at,
        event_seq,
        source_system,
        resource,
        resource_type,
        channel,
        node_id,
        region,
        carrier,
        supplier,
        exception_type,
        exception_stage,
        reason_code,
        amount,
        is_lifecycle,
        case
            when is_lifecycle
                then row_number() over (
                        partition by exception_id, is_lifecycle order by event_at, event_seq
                    )
        end as lifecycle_index,
        is_lifecycle and coalesce(exception_stage = 'detected', false) as is_detection,
        is_lifecycle and coalesce(exception_stage in ('detected', 'reopened'), false)
            as is_opening,
        is_lifecycle
        and coalesce(exception_stage in ('resolved_auto', 'resolved_manual'), false)
            as is_resolution,
        is_lifecycle and coalesce(resource_type = 'human', false) as is_manual_touch

    from classified

)

select * from sequenced
