{#
    What the ingested data can answer: one row per analysis the product offers, whether
    its inputs are present, the evidence counted, and, where they are absent, what data
    would enable it. Most real exports carry only case, activity and time on day one; the
    pipeline skips what this mart marks unavailable and the dashboard and the report say
    why, from these rows, instead of failing or drawing an empty chart.
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

event_counts as (

    select
        count(*) as event_count,
        count(distinct case_id) as case_count,
        count(channel) as channel_events,
        count(node_id) as node_events,
        count(carrier) as carrier_events,
        count(supplier) as supplier_events,
        count(region) as region_events,
        count(resource) as resource_events,
        count(amount) as amount_events,
        count(order_line_id) + count(shipment_id) + count(payment_id) + count(return_id)
            as object_events

    from events

),

integration_counts as (

    select count(*) as message_count from integration

),

exception_counts as (

    select count(*) as exception_count from exceptions

),

counts as (

    select
        event_counts.*,
        integration_counts.message_count,
        exception_counts.exception_count

    from event_counts
    cross join integration_counts
    cross join exception_counts

),

analyses as (

    select
        'process' as analysis,
        'Process map, variants and throughput' as analysis_name,
        event_count as evidence_rows,
        'no workflow events are loaded' as missing_reason,
        'a workflow event log with case_id, activity and event_at columns in the inbox'
            as how_to_enable
    from counts

    union all

    select
        'exceptions',
        'Exception backlog, aging and SLA',
        exception_count,
        'the log records no exceptions (no exception_id on any event)',
        'workflow events with exception_id, exception_type and exception_stage '
        || '(detected, resolved, ...) columns; see docs/ingestion.md'
    from counts

    union all

    select
        'roi',
        'Cost of exceptions and automation ROI',
        exception_count,
        'the cost model prices exceptions, and the log records none',
        'exception events (exception_id, exception_type, exception_stage)'
    from counts

    union all

    select
        'triage',
        'Exception work queue and breach risk',
        exception_count,
        'the risk model learns from past exceptions, and the log records none',
        'exception events with their detection and resolution over several weeks'
    from counts

    union all

    select
        'integration',
        'Integration health',
        message_count,
        'no middleware messages are loaded',
        'an integration event file (message_id, idempotency_key, interface, sent_at, '
        || 'latency_ms, status, attempt) in the inbox'
    from counts

    union all

    select
        'spike_alerts',
        'Spike alerts',
        exception_count + message_count + channel_events,
        'alerts watch exceptions, channel volumes and integration failures, '
        || 'and the log has none of them',
        'exception events, a channel column, or integration events'
    from counts

    union all

    select
        'channels',
        'Breakdown by sales channel',
        channel_events,
        'no event names its sales channel',
        'a channel column (web, store, marketplace, ...) on workflow events'
    from counts

    union all

    select
        'nodes',
        'Breakdown by fulfillment node',
        node_events,
        'no event names its fulfillment node',
        'a node_id column (DC, store or 3PL) on workflow events'
    from counts

    union all

    select
        'carriers',
        'Breakdown by carrier',
        carrier_events,
        'no event names a carrier',
        'a carrier column on shipping events'
    from counts

    union all

    select
        'suppliers',
        'Breakdown by supplier',
        supplier_events,
        'no event names a supplier',
        'a supplier column on sourcing events'
    from counts

    union all

    select
        'regions',
        'Breakdown by region',
        region_events,
        'no event names a region',
        'a region column on workflow events'
    from counts

    union all

    select
        'resources',
        'Workload by person or team',
        resource_events,
        'no event names who did it',
        'a resource column (XES org:resource)'
    from counts

    union all

    select
        'amounts',
        'Order values',
        amount_events,
        'no event carries an amount',
        'amount and currency columns on workflow events'
    from counts

    union all

    select
        'object_centric',
        'Object-centric view (lines, shipments, payments, returns)',
        object_events,
        'no event names an order line, shipment, payment or return',
        'order_line_id, shipment_id, payment_id or return_id columns, or an OCEL log'
    from counts

),

final as (

    select
        analysis,
        analysis_name,
        evidence_rows > 0 as is_available,
        cast(evidence_rows as {{ dbt.type_bigint() }}) as evidence_rows,
        case when evidence_rows = 0 then missing_reason end as missing_reason,
        how_to_enable

    from analyses

)

select * from final
