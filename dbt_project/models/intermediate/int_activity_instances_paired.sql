{#
    One row per activity instance: a completion (an event whose lifecycle is 'complete'
    or absent) with the start that opened it, read from every staged event whatever the
    lifecycle treatment. Pairing is first in, first out, per case and activity, as
    pm4py's interval_lifecycle.to_interval does: a completion takes the earliest start of
    its activity not yet taken, if one came before it. With n completions and s_j starts
    before the j-th one, n + min(0, min over j <= n of (s_j - j)) completions are paired
    so far (a running minimum), so the n-th is paired exactly when that count grows, and
    then with the start numbered by it.
    Service time runs from the start to the completion; waiting time from the latest
    completion of the case's earlier instances (ordered by when they began) to the
    start, zero when the step began before that completion (parallel work). Both need a
    start; a view, read once by agg_activity_times.
#}
{{ config(materialized='view') }}

with

workflow_events as (

    select
        case_id,
        event_id,
        activity,
        event_at,
        event_seq,
        coalesce(lifecycle = 'start', false) as is_start,
        coalesce(lifecycle = 'complete', true) as is_completion

    from {{ ref('stg_raw__workflow_events') }}
    where lifecycle is null or lifecycle in ('start', 'complete')

),

counted as (

    select
        *,
        sum(case when is_start then 1 else 0 end) over activity_order as starts_so_far,
        sum(case when is_completion then 1 else 0 end) over activity_order as completions_so_far

    from workflow_events
    window activity_order as (
        partition by case_id, activity
        order by event_at, event_seq
        rows between unbounded preceding and current row
    )

),

completions as (

    select
        case_id,
        event_id,
        activity,
        event_at,
        event_seq,
        completions_so_far
        + least(0, min(starts_so_far - completions_so_far) over completion_order)
            as paired_so_far

    from counted
    where is_completion
    window completion_order as (
        partition by case_id, activity
        order by event_at, event_seq
        rows between unbounded preceding and current row
    )

),

paired as (

    select
        *,
        paired_so_far > coalesce(
            lag(paired_so_far) over (partition by case_id, activity order by event_at, event_seq),
            0
        ) as is_paired

    from completions

),

starts as (

    select
        case_id,
        activity,
        event_at,
        starts_so_far as start_number

    from counted
    where is_start

),

instances as (

    select
        paired.case_id,
        paired.activity,
        paired.event_id as completion_event_id,
        starts.event_at as started_at,
        paired.event_at as completed_at,
        paired.event_seq as completion_event_seq

    from paired
    left join starts
        on
            paired.is_paired
            and paired.case_id = starts.case_id
            and paired.activity = starts.activity
            and paired.paired_so_far = starts.start_number

),

ordered as (

    select
        *,
        max(completed_at) over (
            partition by case_id
            order by coalesce(started_at, completed_at), completed_at, completion_event_seq
            rows between unbounded preceding and 1 preceding
        ) as previous_completed_at

    from instances

),

final as (

    select
        case_id,
        activity,
        completion_event_id,
        started_at,
        completed_at,
        previous_completed_at,
        {{ seconds_between('started_at', 'completed_at') }} as service_seconds,
        case
            when started_at is not null and previous_completed_at is not null
                then
                    greatest(
                        {{ seconds_between('previous_completed_at', 'started_at') }},
                        0
                    )
        end as waiting_seconds

    from ordered

)

select * from final
