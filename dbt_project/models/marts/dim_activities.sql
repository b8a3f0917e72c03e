{#
    The activity code of fct_event_log: activities numbered from 0 in name order, so that
    ordering by code is ordering by name (the last tie-breaker of the case order).
#}
with

workflow_events as (

    select activity from {{ ref('int_process_events_selected') }}

),

activities as (

    select
        activity,
        count(*) as event_count

    from workflow_events
    group by activity

),

final as (

    select
        cast(row_number() over (order by activity) - 1 as integer) as activity_code,
        activity,
        event_count

    from activities

)

select * from final
