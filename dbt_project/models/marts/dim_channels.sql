with

sla_policy as (

    select * from {{ ref('stg_reference__sla_policy') }}

),

orders as (

    select
        channel,
        count(*) as order_count

    from {{ ref('int_orders_summarized') }}
    where channel is not null
    group by channel

),

channels as (

    select channel from sla_policy
    union
    select channel from orders

),

final as (

    select
        channels.channel,
        sla_policy.promise_hours,
        sla_policy.pickup_ready_hours,
        sla_policy.channel is not null as has_sla_policy,
        coalesce(orders.order_count, 0) as order_count

    from channels
    left join sla_policy
        on channels.channel = sla_policy.channel
    left join orders
        on channels.channel = orders.channel

)

select * from final
