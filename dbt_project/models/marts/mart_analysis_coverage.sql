{#
    What the ingested data can answer: one row per analysis of the analysis_catalog seed,
    whether its inputs are present, the evidence counted, and, where they are absent, what
    data would enable it. Most real exports carry only case, activity and time on day one;
    the pipeline skips what this mart marks unavailable and the dashboard and the report
    say why, from these rows, instead of failing or drawing an empty chart.
#}
with

events as (

    select * from {{ ref('stg_raw__workflow_events') }}

),

integration as (

    select * from {{ ref('stg_raw__integration_events') }}

),

exceptions as (

    select * from {{ ref('fct_exceptions') }}

),

catalog as (

    select * from {{ ref('analysis_catalog') }}

),

event_counts as (

    select
        count(*) as event_rows,
        count(channel) as channel_rows,
        count(node_id) as node_rows,
        count(carrier) as carrier_rows,
        count(supplier) as supplier_rows,
        count(region) as region_rows,
        count(resource) as resource_rows,
        count(amount) as amount_rows,
        count(order_line_id) + count(shipment_id) + count(payment_id) + count(return_id)
            as object_rows

    from events

),

counts as (

    select
        event_counts.*,
        (select count(*) from integration) as message_rows,
        (select count(*) from exceptions) as exception_rows

    from event_counts

),

evidence as (

    select
        catalog.analysis,
        catalog.analysis_name,
        catalog.missing_reason,
        catalog.how_to_enable,
        case catalog.evidence
            when 'events' then counts.event_rows
            when 'exceptions' then counts.exception_rows
            when 'messages' then counts.message_rows
            when 'watched' then counts.exception_rows + counts.message_rows + counts.channel_rows
            when 'channel' then counts.channel_rows
            when 'node' then counts.node_rows
            when 'carrier' then counts.carrier_rows
            when 'supplier' then counts.supplier_rows
            when 'region' then counts.region_rows
            when 'resource' then counts.resource_rows
            when 'amount' then counts.amount_rows
            when 'objects' then counts.object_rows
        end as evidence_rows

    from catalog
    cross join counts

),

final as (

    select
        analysis,
        analysis_name,
        evidence_rows > 0 as is_available,
        cast(evidence_rows as {{ dbt.type_bigint() }}) as evidence_rows,
        case when evidence_rows = 0 then missing_reason end as missing_reason,
        how_to_enable

    from evidence

)

select * from final
