with

orders as (

    select * from {{ ref('int_orders_summarized') }}

),

sla_policy as (

    select * from {{ ref('stg_reference__sla_policy') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

exceptions as (

    select
        case_id,
        count(*) as exception_count,
        cast(sum(touch_count) as {{ dbt.type_bigint() }}) as exception_touch_count,
        count(case when is_open then 1 end) as open_exception_count,
        sum(total_cost) as exception_cost

    from {{ ref('fct_exceptions') }}
    group by case_id

),

promised as (

    select
        orders.*,
        sla_policy.promise_hours,
        sla_policy.pickup_ready_hours,
        as_of.as_of_at,
        case
            when orders.delivered_at is null then orders.picked_up_at
            when orders.picked_up_at is null then orders.delivered_at
            when orders.picked_up_at < orders.delivered_at then orders.picked_up_at
            else orders.delivered_at
        end as fulfilled_at,
        {{ dbt.dateadd('hour', 'sla_policy.promise_hours', 'orders.ordered_at') }} as promised_at,
        {{ dbt.dateadd('hour', 'sla_policy.pickup_ready_hours', 'orders.ordered_at') }}
            as pickup_ready_due_at

    from orders
    left join sla_policy
        on orders.channel = sla_policy.channel
    cross join as_of

),

final as (

    select
        -- ids
        promised.case_id,

        -- where
        promised.channel,
        promised.node_id,
        promised.region,
        promised.carrier,
        promised.supplier,
        promised.nodes,
        promised.node_count,
        promised.shipment_count,
        promised.shipment_count > 0 as has_shipment,
        promised.shipment_count > 1 as is_split,

        -- milestones
        promised.first_event_at,
        promised.last_event_at,
        promised.ordered_at,
        promised.released_at,
        promised.dispatched_at,
        promised.ready_for_pickup_at,
        promised.delivered_at,
        promised.picked_up_at,
        promised.fulfilled_at,
        promised.cancelled_at,
        promised.invoice_posted_at,
        promised.return_received_at,
        promised.refund_issued_at,
        promised.credit_memo_posted_at,
        case
            when promised.picked_up_at is not null or promised.ready_for_pickup_at is not null
                then 'pickup'
            else 'delivery'
        end as fulfillment_method,

        -- promise
        promised.promise_hours,
        promised.promised_at,
        case
            when promised.fulfilled_at is not null
                then promised.fulfilled_at <= promised.promised_at
            when promised.cancelled_at is not null then null
            when promised.as_of_at > promised.promised_at then false
        end as is_on_time,
        {{ seconds_between('promised.promised_at', 'promised.fulfilled_at') }} / 3600.0
            as fulfillment_delay_hours,
        promised.pickup_ready_due_at,
        case
            when promised.ready_for_pickup_at is not null
                then promised.ready_for_pickup_at <= promised.pickup_ready_due_at
        end as is_pickup_ready_on_time,

        -- outcome: the furthest state the order's milestones reached (see fct_orders.yml)
        case
            when promised.milestone_event_count = 0 then null
            when promised.cancelled_at is not null then 'cancelled'
            when
                promised.last_return_started_at is not null
                and (
                    promised.last_refund_issued_at is null
                    or promised.last_return_started_at > promised.last_refund_issued_at
                )
                then 'open'
            when promised.refund_issued_at is not null then 'refunded'
            when promised.fulfilled_at is not null and promised.invoice_posted_at is not null
                then 'closed'
            when promised.fulfilled_at is not null then 'delivered'
            else 'open'
        end as order_status,
        promised.cancelled_at is not null as is_cancelled,
        promised.expedite_count > 0 as is_expedited,
        promised.reroute_count > 0 as is_rerouted,
        promised.return_received_at is not null as is_returned,

        -- cycle times
        {{ seconds_between('promised.return_received_at', 'promised.refund_issued_at') }} / 3600.0
            as refund_cycle_hours,
        {{ seconds_between('promised.dispatched_at', 'promised.invoice_posted_at') }} / 3600.0
            as invoice_posting_lag_hours,
        {{ seconds_between('promised.refund_issued_at', 'promised.credit_memo_posted_at') }}
        / 3600.0 as credit_memo_posting_lag_hours,

        -- money
        promised.order_amount,
        promised.refund_amount,

        -- work and exceptions
        promised.event_count,
        promised.manual_touch_count,
        coalesce(exceptions.exception_count, 0) as exception_count,
        coalesce(exceptions.exception_count, 0) > 0 as has_exception,
        coalesce(exceptions.open_exception_count, 0) as open_exception_count,
        coalesce(exceptions.exception_touch_count, 0) as exception_touch_count,
        coalesce(exceptions.exception_cost, 0) as exception_cost

    from promised
    left join exceptions
        on promised.case_id = exceptions.case_id

)

select * from final
