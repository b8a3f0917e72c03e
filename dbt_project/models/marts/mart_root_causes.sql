{#
    Which channels, nodes, carriers, suppliers, regions, source systems, interfaces and
    reason codes carry more exceptions than the rest. The unit is the order: an order
    belongs to a value when any of its events carries it (for interface: when a delivery
    attempt on that interface failed for it; for reason_code: when one of its exceptions
    carries the code, so that rate is 1 by construction and only cost and delay compare).
#}
with

case_attributes as (

    -- One scan of the events: the distinct attribute combinations of each case, which
    -- every dimension below reads instead of scanning all events again.
    select distinct
        case_id,
        channel,
        node_id,
        carrier,
        supplier,
        region,
        source_system

    from {{ ref('stg_raw__workflow_events') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

memberships as (

    {% for column in ['channel', 'node_id', 'carrier', 'supplier', 'region', 'source_system'] %}
        select distinct
            '{{ column }}' as dimension,
            {{ column }} as dimension_value,
            case_id
        from case_attributes
        where {{ column }} is not null
        union all
    {% endfor %}
    select distinct
        'interface' as dimension,
        interface as dimension_value,
        case_id
    from {{ ref('int_integration_attempts_ranked') }}
    where is_failure and case_id is not null
    union all
    select distinct
        'reason_code' as dimension,
        reason_code as dimension_value,
        case_id
    from {{ ref('fct_exceptions') }}
    where reason_code is not null

),

overall as (

    select
        count(*) as all_orders,
        count(case when has_exception then 1 end) as all_exception_orders

    from orders

),

per_value as (

    select
        memberships.dimension,
        memberships.dimension_value,
        count(*) as order_count,
        count(case when orders.has_exception then 1 end) as exception_order_count,
        cast(sum(orders.exception_count) as {{ dbt.type_bigint() }}) as exception_count,
        count(case when orders.is_on_time = false then 1 end) as late_order_count,
        count(case when orders.is_on_time is not null then 1 end) as due_order_count,
        avg(
            case
                when orders.fulfillment_delay_hours > 0 then orders.fulfillment_delay_hours else 0
            end
        ) as mean_delay_hours,
        sum(orders.exception_cost) as exception_cost

    from memberships
    inner join orders
        on memberships.case_id = orders.case_id
    group by memberships.dimension, memberships.dimension_value

),

rated as (

    select
        per_value.*,
        cast(per_value.exception_order_count as {{ dbt.type_float() }}) / per_value.order_count
            as exception_rate,
        cast(overall.all_exception_orders as {{ dbt.type_float() }}) / overall.all_orders
            as overall_exception_rate

    from per_value
    cross join overall

),

final as (

    select
        dimension,
        dimension_value,
        order_count,
        exception_order_count,
        exception_count,
        exception_rate,
        overall_exception_rate,
        case when overall_exception_rate > 0 then exception_rate / overall_exception_rate end
            as lift,
        case
            when overall_exception_rate > 0 and overall_exception_rate < 1
                then (exception_rate - overall_exception_rate)
                    / sqrt(overall_exception_rate * (1 - overall_exception_rate) / order_count)
        end as z_score,
        order_count >= {{ var('root_cause_min_orders') }}
        and exception_order_count >= {{ var('root_cause_min_exception_orders') }}
            as has_enough_support,
        late_order_count,
        case when due_order_count > 0
                then cast(late_order_count as {{ dbt.type_float() }}) / due_order_count
        end as late_rate,
        mean_delay_hours,
        exception_cost,
        exception_cost / order_count as exception_cost_per_order

    from rated

)

select * from final
