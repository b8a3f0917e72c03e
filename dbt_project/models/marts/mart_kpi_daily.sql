{#
    The executive KPI time series, one row per day. Order KPIs follow the cohort of orders
    created that day; first response, escalation and exception rate the exceptions
    detected that day; resolution time and touchless rate the exceptions resolved that day;
    backlog and past-SLA the state at the end of the day.
#}
with

days as (

    select
        date_day,
        is_business_day
    from {{ ref('dim_dates') }}

),

orders as (

    select
        cast(ordered_at as date) as date_day,
        count(*) as orders_created,
        count(case when is_cancelled then 1 end) as orders_cancelled,
        count(case when is_on_time then 1 end) as orders_on_time,
        count(case when is_on_time is not null then 1 end) as orders_due,
        cast(sum(manual_touch_count) as {{ dbt.type_bigint() }}) as manual_touches

    from {{ ref('fct_orders') }}
    where ordered_at is not null
    group by cast(ordered_at as date)

),

detected as (

    select
        cast(detected_at as date) as date_day,
        count(*) as exceptions_detected,
        count(case when is_escalated then 1 end) as exceptions_escalated,
        avg(first_response_minutes) as mean_first_response_minutes,
        {{ percentile_cont('first_response_minutes', 0.5) }} as median_first_response_minutes

    from {{ ref('fct_exceptions') }}
    group by cast(detected_at as date)

),

resolved as (

    select
        cast(resolved_at as date) as date_day,
        count(*) as exceptions_resolved,
        count(case when is_touchless then 1 end) as exceptions_resolved_touchless,
        avg(resolution_minutes) as mean_resolution_minutes,
        {{ percentile_cont('resolution_minutes', 0.5) }} as median_resolution_minutes

    from {{ ref('fct_exceptions') }}
    where resolved_at is not null
    group by cast(resolved_at as date)

),

backlog as (

    select
        date_day,
        cast(sum(open_count) as {{ dbt.type_bigint() }}) as open_backlog,
        cast(sum(past_sla_count) as {{ dbt.type_bigint() }}) as open_past_sla

    from {{ ref('fct_exception_backlog_daily') }}
    group by date_day

),

refunds as (

    select
        cast(refund_issued_at as date) as date_day,
        avg(refund_cycle_hours) as mean_refund_cycle_hours

    from {{ ref('fct_orders') }}
    where refund_cycle_hours is not null
    group by cast(refund_issued_at as date)

),

invoices as (

    select
        cast(invoice_posted_at as date) as date_day,
        avg(invoice_posting_lag_hours) as mean_erp_reconciliation_lag_hours

    from {{ ref('fct_orders') }}
    where invoice_posting_lag_hours is not null
    group by cast(invoice_posted_at as date)

),

api_calls as (

    select
        cast(sent_at as date) as date_day,
        count(*) as api_calls,
        count(case when is_failure then 1 end) as api_failures

    from {{ ref('int_integration_attempts_ranked') }}
    group by cast(sent_at as date)

),

final as (

    select
        days.date_day,
        days.is_business_day,
        coalesce(orders.orders_created, 0) as orders_created,
        coalesce(detected.exceptions_detected, 0) as exceptions_detected,
        coalesce(resolved.exceptions_resolved, 0) as exceptions_resolved,
        case when orders.orders_created > 0
                then 1000.0 * coalesce(detected.exceptions_detected, 0) / orders.orders_created
        end as exceptions_per_1000_orders,
        detected.mean_first_response_minutes,
        detected.median_first_response_minutes,
        resolved.mean_resolution_minutes,
        resolved.median_resolution_minutes,
        coalesce(backlog.open_backlog, 0) as open_backlog,
        coalesce(backlog.open_past_sla, 0) as open_past_sla,
        case when backlog.open_backlog > 0
                then cast(backlog.open_past_sla as {{ dbt.type_float() }}) / backlog.open_backlog
        end as past_sla_share,
        case when resolved.exceptions_resolved > 0
                then cast(resolved.exceptions_resolved_touchless as {{ dbt.type_float() }})
                    / resolved.exceptions_resolved
        end as touchless_rate,
        case when orders.orders_created > 0
                then cast(orders.manual_touches as {{ dbt.type_float() }}) / orders.orders_created
        end as manual_touches_per_order,
        case when orders.orders_created > 0
                then cast(orders.orders_cancelled as {{ dbt.type_float() }}) / orders.orders_created
        end as cancellation_rate,
        case when orders.orders_due > 0
                then cast(orders.orders_on_time as {{ dbt.type_float() }}) / orders.orders_due
        end as on_time_delivery_rate,
        refunds.mean_refund_cycle_hours,
        invoices.mean_erp_reconciliation_lag_hours,
        case when detected.exceptions_detected > 0
                then cast(detected.exceptions_escalated as {{ dbt.type_float() }})
                    / detected.exceptions_detected
        end as escalation_rate,
        coalesce(api_calls.api_calls, 0) as api_calls,
        case when api_calls.api_calls > 0
                then cast(api_calls.api_failures as {{ dbt.type_float() }}) / api_calls.api_calls
        end as api_failure_rate

    from days
    left join orders on days.date_day = orders.date_day
    left join detected on days.date_day = detected.date_day
    left join resolved on days.date_day = resolved.date_day
    left join backlog on days.date_day = backlog.date_day
    left join refunds on days.date_day = refunds.date_day
    left join invoices on days.date_day = invoices.date_day
    left join api_calls on days.date_day = api_calls.date_day

)

select * from final
