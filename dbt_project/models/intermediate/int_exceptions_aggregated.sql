{#
    One row per exception: its lifecycle read from the stages of its lifecycle events
    (effects such as an expedite only add to the attributed counts and amounts).
    detected = first `detected` event (the first lifecycle event if none is marked); first
    response = the next lifecycle event after it in case order; resolved = the last
    resolving event, unless an opening (`reopened`) comes after it, in which case the
    exception is open.
#}
with

exception_events as (

    select * from {{ ref('int_exception_events_sequenced') }}

),

markers as (

    select
        exception_id,
        count(lifecycle_index) as event_count,
        count(*) - count(lifecycle_index) as effect_event_count,
        coalesce(
            min(case when is_detection then lifecycle_index end),
            min(lifecycle_index)
        ) as detection_index,
        max(case when is_opening then lifecycle_index end) as last_opening_index,
        max(case when is_resolution then lifecycle_index end) as last_resolution_index,
        count(case when is_manual_touch then 1 end) as touch_count,
        count(case when exception_stage = 'escalated' then 1 end) as escalation_count,
        count(case when exception_stage = 'reopened' then 1 end) as reopen_count,
        count(case when activity = 'Shipment Expedited' then 1 end) as expedite_event_count,
        count(case when activity = 'Order Cancelled' then 1 end) as cancellation_event_count,
        count(case when activity = 'Order Rerouted' then 1 end) as reroute_event_count,
        coalesce(
            sum(case when activity = 'Refund Issued' then amount end), 0
        ) as refund_amount,
        max(exception_type) as any_exception_type,
        max(reason_code) as any_reason_code

    from exception_events
    group by exception_id

),

closing as (

    select
        *,
        case
            when last_resolution_index is not null
                and (last_opening_index is null or last_resolution_index > last_opening_index)
                then last_resolution_index
        end as resolution_index

    from markers

),

anchored as (

    select
        closing.exception_id,
        max(case when events.lifecycle_index = closing.detection_index
                then events.case_id
        end) as case_id,
        max(case when events.lifecycle_index = closing.detection_index
                then events.exception_type
        end) as detected_exception_type,
        max(case when events.lifecycle_index = closing.detection_index
                then events.reason_code
        end) as detected_reason_code,
        max(case when events.lifecycle_index = closing.detection_index
                then events.source_system
        end) as source_system,
        max(case when events.lifecycle_index = closing.detection_index
                then events.channel
        end) as channel,
        max(case when events.lifecycle_index = closing.detection_index
                then events.node_id
        end) as node_id,
        max(case when events.lifecycle_index = closing.detection_index
                then events.region
        end) as region,
        max(case when events.lifecycle_index = closing.detection_index
                then events.carrier
        end) as carrier,
        max(case when events.lifecycle_index = closing.detection_index
                then events.supplier
        end) as supplier,
        max(case when events.lifecycle_index = closing.detection_index
                then events.event_at
        end) as detected_at,
        max(case when events.lifecycle_index = closing.detection_index + 1
                then events.event_at
        end) as first_response_at,
        max(case when events.lifecycle_index = closing.resolution_index
                then events.event_at
        end) as resolved_at,
        max(case when events.lifecycle_index = closing.resolution_index
                then events.exception_stage
        end) as resolving_stage

    from closing
    inner join exception_events as events
        on
            closing.exception_id = events.exception_id
            and events.is_lifecycle
    group by closing.exception_id

),

final as (

    select
        closing.exception_id,
        anchored.case_id,
        coalesce(anchored.detected_exception_type, closing.any_exception_type) as exception_type,
        coalesce(anchored.detected_reason_code, closing.any_reason_code) as reason_code,
        anchored.source_system,
        anchored.channel,
        anchored.node_id,
        anchored.region,
        anchored.carrier,
        anchored.supplier,
        anchored.detected_at,
        anchored.first_response_at,
        anchored.resolved_at,
        anchored.resolving_stage,
        closing.event_count,
        closing.effect_event_count,
        closing.touch_count,
        closing.escalation_count,
        closing.reopen_count,
        closing.expedite_event_count,
        closing.cancellation_event_count,
        closing.reroute_event_count,
        closing.refund_amount

    from closing
    inner join anchored
        on closing.exception_id = anchored.exception_id

)

select * from final
