{#
    Cases per variant, per day the case started and per filter dimension: the variant
    explorer of a filtered period is a sum of these rows, joined to agg_variants on
    variant_fingerprint for the activities. Throughput is kept as a sum (its mean over
    any selection is total_throughput_seconds / case_count).
#}
with

cases as (

    select * from {{ ref('fct_case_traces') }}

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

final as (

    select
        cast(cases.first_event_at as date) as case_start_date,
        cases.variant_fingerprint,
        orders.channel,
        orders.region,
        orders.node_id,
        orders.carrier,
        count(*) as case_count,
        sum(cases.throughput_seconds) as total_throughput_seconds

    from cases
    left join orders
        on cases.case_id = orders.case_id
    group by
        cast(cases.first_event_at as date),
        cases.variant_fingerprint,
        orders.channel,
        orders.region,
        orders.node_id,
        orders.carrier

)

select * from final
