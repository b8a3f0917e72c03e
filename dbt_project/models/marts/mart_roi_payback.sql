{#
    What each stated automation level returns, month by month, as a finance reader asks:
    the month's savings (mart_roi), the yearly run-rate they make over the days the data
    covers in the month, the investment the cost model assumes, and the months until it is
    paid back (macros annualised and payback_months, the formulas the ROI page's what-if
    repeats for a plan the user draws).
#}
with

calendar as (

    select * from {{ ref('dim_dates') }}

),

roi as (

    select * from {{ ref('mart_roi') }}

),

levels as (

    select * from {{ ref('automation_levels') }}

),

costs as (

    select * from {{ ref('int_cost_parameters_pivoted') }}

),

months as (

    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as period_month,
        count(*) as period_days

    from calendar
    group by cast({{ dbt.date_trunc('month', 'date_day') }} as date)

),

monthly_savings as (

    select
        period_month,
        automation_level,
        sum(baseline_cost) as baseline_cost,
        sum(projected_cost) as projected_cost,
        sum(projected_savings) as projected_savings,
        sum(touches_avoided) as touches_avoided

    from roi
    group by period_month, automation_level

),

planned as (

    select
        months.period_month,
        months.period_days,
        levels.automation_level,
        levels.touch_automation_share,
        coalesce(monthly_savings.baseline_cost, 0) as baseline_cost,
        coalesce(monthly_savings.projected_cost, 0) as projected_cost,
        coalesce(monthly_savings.projected_savings, 0) as projected_savings,
        coalesce(monthly_savings.touches_avoided, 0) as touches_avoided,
        costs.automation_implementation_cost as implementation_cost,
        costs.automation_yearly_run_cost as yearly_run_cost

    from months
    cross join levels
    cross join costs
    left join monthly_savings
        on
            months.period_month = monthly_savings.period_month
            and levels.automation_level = monthly_savings.automation_level

),

annualised as (

    select
        *,
        {{ annualised('projected_savings', 'period_days') }} as annualised_savings

    from planned

),

final as (

    select
        period_month,
        period_days,
        automation_level,
        touch_automation_share,
        baseline_cost,
        projected_cost,
        projected_savings,
        touches_avoided,
        annualised_savings,
        implementation_cost,
        yearly_run_cost,
        annualised_savings - yearly_run_cost as net_yearly_benefit,
        {{ payback_months('implementation_cost', 'annualised_savings', 'yearly_run_cost') }}
            as payback_months

    from annualised

)

select * from final
