with

workflow_events as (

    select * from {{ ref('stg_raw__workflow_events') }}
    where carrier is not null

),

final as (

    select
        carrier,
        count(distinct case_id) as order_count,
        count(distinct shipment_id) as shipment_count,
        count(*) as event_count,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at

    from workflow_events
    group by carrier

)

select * from final
