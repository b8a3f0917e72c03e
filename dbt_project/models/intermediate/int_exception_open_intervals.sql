{#
    One row per period during which an exception was open: from its detection (or a
    reopening) to the next resolution, or still open. Repeated openings or resolutions in
    a row collapse into one change, so a reopened exception has two intervals and the
    backlog of any past day counts it only while it was actually open. Only lifecycle
    events count: an effect (an expedite carrying the exception_id) changes no state.
#}
with

exception_events as (

    select * from {{ ref('int_exception_events_sequenced') }}
    where is_lifecycle

),

detection as (

    select
        exception_id,
        coalesce(
            min(case when is_detection then lifecycle_index end),
            min(lifecycle_index)
        ) as detection_index

    from exception_events
    group by exception_id

),

state_changes as (

    select
        exception_events.exception_id,
        exception_events.lifecycle_index,
        exception_events.event_at,
        case
            when exception_events.lifecycle_index = detection.detection_index then 'open'
            when exception_events.exception_stage = 'reopened' then 'open'
            else 'closed'
        end as state

    from exception_events
    inner join detection
        on exception_events.exception_id = detection.exception_id
    where
        exception_events.lifecycle_index = detection.detection_index
        or (
            exception_events.lifecycle_index > detection.detection_index
            and (exception_events.is_resolution or exception_events.exception_stage = 'reopened')
        )

),

compared as (

    select
        *,
        lag(state) over (
            partition by exception_id order by lifecycle_index
        ) as previous_state

    from state_changes

),

changes as (

    select
        exception_id,
        lifecycle_index,
        event_at,
        state

    from compared
    where previous_state is null or previous_state <> state

),

paired as (

    select
        exception_id,
        state,
        event_at as opened_at,
        lead(event_at) over (
            partition by exception_id order by lifecycle_index
        ) as closed_at,
        row_number() over (
            partition by exception_id order by lifecycle_index
        ) as change_index

    from changes

),

final as (

    select
        exception_id,
        row_number() over (partition by exception_id order by change_index) as interval_index,
        opened_at,
        closed_at

    from paired
    where state = 'open'

)

select * from final
