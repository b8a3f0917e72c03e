{#
    One row per order (case) from its workflow events: milestone times read from the
    contract's Milestone activity names, its first channel, node, region, carrier and
    supplier, every node it touched (in order of first touch), when its latest return
    (return_id) began, and counts of shipments, nodes, milestones and manual touches.
#}
with

workflow_events as (

    select * from {{ ref('stg_raw__workflow_events') }}

),

node_visits as (

    select
        case_id,
        node_id,
        min(event_at) as first_touched_at,
        min(event_seq) as first_event_seq

    from workflow_events
    where node_id is not null
    group by case_id, node_id

),

ranked_nodes as (

    select
        case_id,
        node_id,
        first_touched_at,
        first_event_seq,
        row_number() over (
            partition by case_id order by first_touched_at, first_event_seq
        ) as touch_order

    from node_visits

),

node_lists as (

    select
        case_id,
        max(case when touch_order = 1 then node_id end) as node_id,
        {{ ordered_text('node_id', "', '", 'touch_order') }} as nodes

    from ranked_nodes
    group by case_id

),

return_starts as (

    select
        case_id,
        return_id,
        min(event_at) as started_at

    from workflow_events
    where return_id is not null
    group by case_id, return_id

),

last_returns as (

    select
        case_id,
        max(started_at) as last_return_started_at

    from return_starts
    group by case_id

),

summarized as (

    select
        case_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        count(*) as event_count,
        coalesce(
            max(case when activity = 'Order Created' then channel end),
            {{ first_value_by('channel', 'event_at', 'event_seq') }}
        ) as channel,
        {{ first_value_by('region', 'event_at', 'event_seq') }} as region,
        {{ first_value_by('carrier', 'event_at', 'event_seq') }} as carrier,
        {{ first_value_by('supplier', 'event_at', 'event_seq') }} as supplier,
        count(distinct node_id) as node_count,
        count(distinct shipment_id) as shipment_count,
        count(
            case
                when activity in (
                        'Order Created', 'Payment Authorized', 'Payment Captured',
                        'Order Released to Node', 'Shipment Dispatched', 'Delivered',
                        'Ready for Pickup', 'Picked Up by Customer', 'Order Cancelled',
                        'Shipment Expedited', 'Order Rerouted', 'Invoice Posted to ERP',
                        'Return Received', 'Refund Issued', 'Credit Memo Posted to ERP'
                    ) then 1
            end
        ) as milestone_event_count,
        count(case when resource_type = 'human' then 1 end) as manual_touch_count,
        min(case when activity = 'Order Created' then event_at end) as ordered_at,
        max(case when activity = 'Order Created' then amount end) as order_amount,
        min(case when activity = 'Order Released to Node' then event_at end) as released_at,
        min(case when activity = 'Shipment Dispatched' then event_at end) as dispatched_at,
        min(case when activity = 'Ready for Pickup' then event_at end) as ready_for_pickup_at,
        min(case when activity = 'Delivered' then event_at end) as delivered_at,
        min(case when activity = 'Picked Up by Customer' then event_at end) as picked_up_at,
        min(case when activity = 'Order Cancelled' then event_at end) as cancelled_at,
        count(case when activity = 'Shipment Expedited' then 1 end) as expedite_count,
        count(case when activity = 'Order Rerouted' then 1 end) as reroute_count,
        min(case when activity = 'Invoice Posted to ERP' then event_at end) as invoice_posted_at,
        min(case when activity = 'Return Received' then event_at end) as return_received_at,
        min(case when activity = 'Refund Issued' then event_at end) as refund_issued_at,
        max(case when activity = 'Refund Issued' then event_at end) as last_refund_issued_at,
        coalesce(sum(case when activity = 'Refund Issued' then amount end), 0) as refund_amount,
        min(case when activity = 'Credit Memo Posted to ERP' then event_at end)
            as credit_memo_posted_at

    from workflow_events
    group by case_id

),

final as (

    select
        summarized.*,
        node_lists.node_id,
        node_lists.nodes,
        last_returns.last_return_started_at

    from summarized
    left join node_lists
        on summarized.case_id = node_lists.case_id
    left join last_returns
        on summarized.case_id = last_returns.case_id

)

select * from final
