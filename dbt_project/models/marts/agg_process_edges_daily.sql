{#
    The directly-follows graph per day and per filter dimension of the dashboard (the
    case's channel, region, node and carrier in fct_orders): a filtered process map is a
    sum of these rows. Only additive measures are kept; the mean wait of any selection is
    total_wait_seconds / frequency. Waits are classed as in agg_process_edges.
#}
with

transitions as (

    select * from {{ ref('fct_case_transitions') }}

),

orders as (

    select
        case_id,
        channel,
        region,
        node_id,
        carrier
    from {{ ref('fct_orders') }}

),

activities as (

    select * from {{ ref('dim_activities') }}

),

edges as (

    select
        transitions.transition_date,
        transitions.source_activity,
        transitions.target_activity,
        orders.channel,
        orders.region,
        orders.node_id,
        orders.carrier,
        count(*) as frequency,
        sum(transitions.wait_seconds) as total_wait_seconds

    from transitions
    left join orders
        on transitions.case_id = orders.case_id
    group by
        transitions.transition_date,
        transitions.source_activity,
        transitions.target_activity,
        orders.channel,
        orders.region,
        orders.node_id,
        orders.carrier

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
