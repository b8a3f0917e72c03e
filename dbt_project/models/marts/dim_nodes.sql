with

workflow_events as (

    select * from {{ ref('stg_raw__workflow_events') }}
    where node_id is not null

),

final as (

    select
        node_id,
        {{ first_value_by('region', 'event_at', 'event_seq') }} as region,
        count(distinct case_id) as order_count,
        count(*) as event_count,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at

    from workflow_events
    group by node_id

)

select * from final
