{#
    Cost of exceptions by month and type from the cost model, and what each stated
    automation level (seed automation_levels) would save against today's baseline: the
    level's share of what fct_exceptions marks automatable (labor and escalation cost of
    auto-resolvable types). mart_roi_payback turns the savings into a run-rate and payback.
#}
with

exceptions as (

    select * from {{ ref('fct_exceptions') }}

),

levels as (

    select * from {{ ref('automation_levels') }}

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'detected_at') }} as date) as period_month,
        exception_type,
        max(exception_class) as exception_class,
        coalesce(max(case when is_auto_resolvable_type then 1 else 0 end), 0) = 1
            as is_auto_resolvable_type,
        count(*) as exception_count,
        cast(sum(touch_count) as {{ dbt.type_bigint() }}) as touch_count,
        count(case when is_touchless then 1 end) as touchless_count,
        sum(labor_cost) as labor_cost,
        sum(escalation_cost) as escalation_cost,
        sum(expedite_cost) as expedite_cost,
        sum(cancellation_cost) as cancellation_cost,
        sum(refund_leakage_cost) as refund_leakage_cost,
        sum(total_cost) as total_cost,
        cast(sum(automatable_touch_count) as {{ dbt.type_bigint() }}) as automatable_touch_count,
        sum(automatable_cost) as automatable_cost

    from exceptions
    group by cast({{ dbt.date_trunc('month', 'detected_at') }} as date), exception_type

),

final as (

    select
        monthly.period_month,
        monthly.exception_type,
        monthly.exception_class,
        monthly.is_auto_resolvable_type,
        levels.automation_level,
        levels.touch_automation_share,
        monthly.exception_count,
        monthly.touch_count,
        monthly.touchless_count,
        monthly.labor_cost,
        monthly.escalation_cost,
        monthly.expedite_cost,
        monthly.cancellation_cost,
        monthly.refund_leakage_cost,
        monthly.total_cost as baseline_cost,
        monthly.automatable_cost,
        levels.touch_automation_share * monthly.automatable_touch_count as touches_avoided,
        levels.touch_automation_share * monthly.automatable_cost as projected_savings,
        monthly.total_cost - levels.touch_automation_share * monthly.automatable_cost
            as projected_cost

    from monthly
    cross join levels

)

select * from final
