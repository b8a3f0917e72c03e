{#
    The directly-follows graph over all cases. Each edge's wait is classed by the
    activity it ends at (dim_activities): the case waits on whoever performs that step.
#}
with

transitions as (

    select * from {{ ref('fct_case_transitions') }}

),

activities as (

    select * from {{ ref('dim_activities') }}

),

edges as (

    select
        source_activity,
        target_activity,
        count(*) as frequency,
        count(distinct case_id) as case_count,
        avg(wait_seconds) as mean_wait_seconds,
        {{ percentile_cont('wait_seconds', 0.5) }} as median_wait_seconds,
        {{ percentile_cont('wait_seconds', 0.95) }} as p95_wait_seconds,
        min(wait_seconds) as min_wait_seconds,
        max(wait_seconds) as max_wait_seconds,
        sum(wait_seconds) as total_wait_seconds

    from transitions
    group by source_activity, target_activity

),

final as (

    select
        edges.*,
        activities.wait_class,
        activities.waiting_on

    from edges
    left join activities
        on edges.target_activity = activities.activity

)

select * from final
