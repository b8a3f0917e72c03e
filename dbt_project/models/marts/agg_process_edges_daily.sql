with

transitions as (

    select * from {{ ref('fct_case_transitions') }}

),

final as (

    select
        transition_date,
        source_activity,
        target_activity,
        count(*) as frequency,
        count(distinct case_id) as case_count,
        avg(wait_seconds) as mean_wait_seconds,
        {{ percentile_cont('wait_seconds', 0.5) }} as median_wait_seconds,
        {{ percentile_cont('wait_seconds', 0.95) }} as p95_wait_seconds,
        sum(wait_seconds) as total_wait_seconds

    from transitions
    group by transition_date, source_activity, target_activity

)

select * from final
