{#
    The activity code of fct_event_log: activities numbered from 0 in name order, so that
    ordering by code is ordering by name (the last tie-breaker of the case order).
    Each activity also carries the source system most of its events come from and the
    class of the wait that ends at it (who the case waits on before the activity happens),
    from the activity_wait_classes seed: a row for the activity wins over a row for its
    source system, and an activity neither names is internal.
#}
with

workflow_events as (

    select
        activity,
        activity_name,
        source_system
    from {{ ref('int_process_events_selected') }}

),

wait_classes as (

    select * from {{ ref('activity_wait_classes') }}

),

activities as (

    select
        activity,
        min(activity_name) as activity_name,
        count(*) as event_count

    from workflow_events
    group by activity

),

systems_counted as (

    select
        activity,
        upper(source_system) as source_system,
        count(*) as system_event_count

    from workflow_events
    where source_system is not null
    group by activity, upper(source_system)

),

main_systems as (

    select
        activity,
        source_system,
        row_number() over (
            partition by activity
            order by system_event_count desc, source_system asc
        ) as system_rank

    from systems_counted

),

classed as (

    select
        activities.activity,
        activities.event_count,
        main_systems.source_system,
        coalesce(
            by_activity.wait_class, by_system.wait_class, 'internal'
        ) as wait_class,
        coalesce(
            by_activity.waiting_on, by_system.waiting_on, 'your teams and systems'
        ) as waiting_on

    from activities
    left join main_systems
        on
            activities.activity = main_systems.activity
            and main_systems.system_rank = 1
    left join wait_classes as by_activity
        on activities.activity_name = by_activity.activity
    left join wait_classes as by_system
        on
            main_systems.source_system = upper(by_system.source_system)
            and by_system.activity is null

),

final as (

    select
        cast(row_number() over (order by activity) - 1 as integer) as activity_code,
        activity,
        event_count,
        source_system,
        wait_class,
        waiting_on

    from classed

)

select * from final
