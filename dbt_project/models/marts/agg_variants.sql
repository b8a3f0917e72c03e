{#
    Variants are grouped by the fingerprint of fct_case_traces (a hash aggregate over
    cases), and only one representative case per variant has its activities listed in
    case order, so the ordered list is built for a few cases instead of every case.
#}
with

cases as (

    select * from {{ ref('fct_case_traces') }}

),

total as (

    select count(*) as all_cases from cases

),

variants as (

    select
        variant_fingerprint,
        min(case_id) as representative_case_id,
        {{ dbt.any_value('event_count') }} as activity_count,
        count(*) as case_count,
        avg(throughput_seconds) as mean_throughput_seconds,
        {{ percentile_cont('throughput_seconds', 0.5) }} as median_throughput_seconds,
        {{ percentile_cont('throughput_seconds', 0.95) }} as p95_throughput_seconds

    from cases
    group by variant_fingerprint

),

representative_events as (

    select
        workflow_events.case_id,
        workflow_events.activity,
        workflow_events.event_at,
        workflow_events.event_seq

    from {{ ref('int_process_events_selected') }} as workflow_events
    inner join variants
        on workflow_events.case_id = variants.representative_case_id

),

spelled as (

    select
        case_id,
        {{ ordered_text('activity', "' -> '", 'event_at, event_seq') }} as variant_key,
        {{ ordered_list('activity', 'event_at, event_seq') }} as activities

    from representative_events
    group by case_id

),

final as (

    select
        {{ dbt.hash('spelled.variant_key') }} as variant_id,
        row_number() over (
            order by variants.case_count desc, spelled.variant_key asc
        ) as variant_rank,
        spelled.variant_key,
        spelled.activities,
        variants.activity_count,
        variants.case_count,
        cast(variants.case_count as {{ dbt.type_float() }}) / total.all_cases as case_share,
        variants.mean_throughput_seconds,
        variants.median_throughput_seconds,
        variants.p95_throughput_seconds,
        variants.variant_fingerprint,
        variants.representative_case_id

    from variants
    inner join spelled
        on variants.representative_case_id = spelled.case_id
    cross join total

)

select * from final
