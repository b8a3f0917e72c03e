{#
    One row per order (case) from its workflow events: milestone times read from the
    contract's Milestone activity names, its first channel, node, region, carrier and
    supplier, and counts of shipments, nodes and manual touches.
#}
with

workflow_events as (

    select * from {{ ref('stg_raw__workflow_events') }}

),

summarized as (

    select
        case_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        count(*) as event_count,
        coalesce(
            max(case when activity = 'Order Created' then channel end),
            {{ first_value_by('channel', 'event_at') }}
        ) as channel,
        {{ first_value_by('node_id', 'event_at') }} as node_id,
        {{ first_value_by('region', 'event_at') }} as region,
        {{ first_value_by('carrier', 'event_at') }} as carrier,
        {{ first_value_by('supplier', 'event_at') }} as supplier,
        count(distinct node_id) as node_count,
        count(distinct shipment_id) as shipment_count,
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
        coalesce(sum(case when activity = 'Refund Issued' then amount end), 0) as refund_amount,
        min(case when activity = 'Credit Memo Posted to ERP' then event_at end)
            as credit_memo_posted_at

    from workflow_events
    group by case_id

)

select * from summarized
