with

cases as (

    select * from {{ ref('int_cases_traced') }}

),

total as (

    select count(*) as all_cases from cases

),

variants as (

    select
        variant_key,
        {{ dbt.any_value('activities') }} as activities,
        {{ dbt.any_value('event_count') }} as activity_count,
        count(*) as case_count,
        avg(throughput_seconds) as mean_throughput_seconds,
        {{ percentile_cont('throughput_seconds', 0.5) }} as median_throughput_seconds,
        {{ percentile_cont('throughput_seconds', 0.95) }} as p95_throughput_seconds

    from cases
    group by variant_key

),

final as (

    select
        {{ dbt.hash('variants.variant_key') }} as variant_id,
        row_number() over (
            order by variants.case_count desc, variants.variant_key asc
        ) as variant_rank,
        variants.variant_key,
        variants.activities,
        variants.activity_count,
        variants.case_count,
        cast(variants.case_count as {{ dbt.type_float() }}) / total.all_cases as case_share,
        variants.mean_throughput_seconds,
        variants.median_throughput_seconds,
        variants.p95_throughput_seconds

    from variants
    cross join total

)

select * from final
