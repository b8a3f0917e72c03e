{#
    Service and waiting time per activity (plain activity names, every lifecycle
    treatment alike): where a log records starts, the time a step was worked on is told
    apart from the time it waited for, which the directly-follows waits of
    agg_process_edges mix.
#}
with

instances as (

    select * from {{ ref('int_activity_instances_paired') }}

),

final as (

    select
        activity,
        count(*) as instance_count,
        count(service_seconds) as timed_instance_count,
        avg(service_seconds) as mean_service_seconds,
        {{ percentile_cont('service_seconds', 0.5) }} as median_service_seconds,
        {{ percentile_cont('service_seconds', 0.95) }} as p95_service_seconds,
        sum(service_seconds) as total_service_seconds,
        count(waiting_seconds) as waited_instance_count,
        avg(waiting_seconds) as mean_waiting_seconds,
        {{ percentile_cont('waiting_seconds', 0.5) }} as median_waiting_seconds,
        {{ percentile_cont('waiting_seconds', 0.95) }} as p95_waiting_seconds,
        sum(waiting_seconds) as total_waiting_seconds

    from instances
    group by activity

)

select * from final
