{#
    Events that carry an exception_id, numbered inside their exception in case order
    (event time, then arrival order), with the lifecycle markers the marts read.
#}
with

workflow_events as (

    select * from {{ ref('stg_raw__workflow_events') }}
    where exception_id is not null

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
        row_number() over (
            partition by exception_id order by event_at, event_seq
        ) as exception_event_index,
        exception_stage = 'detected' as is_detection,
        exception_stage in ('detected', 'reopened') as is_opening,
        exception_stage in ('resolved_auto', 'resolved_manual') as is_resolution,
        coalesce(resource_type = 'human', false) as is_manual_touch

    from workflow_events

)

select * from sequenced
