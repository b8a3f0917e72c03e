with

attempts as (

    select * from {{ ref('int_integration_attempts_ranked') }}

),

hourly as (

    select
        interface,
        {{ dbt.date_trunc('hour', 'sent_at') }} as hour_at,
        count(*) as call_count,
        count(distinct idempotency_key) as message_count,
        count(case when is_failure then 1 end) as failure_count,
        count(case when is_retry then 1 end) as retry_count,
        count(case when is_duplicate_delivery then 1 end) as duplicate_count,
        count(case when is_dead_lettered then 1 end) as dead_letter_count,
        count(case when status = 'timeout' then 1 end) as timeout_count,
        avg(latency_ms) as mean_latency_ms,
        {{ percentile_cont('latency_ms', 0.5) }} as p50_latency_ms,
        {{ percentile_cont('latency_ms', 0.95) }} as p95_latency_ms,
        count(distinct case when is_failure then case_id end) as orders_affected

    from attempts
    group by interface, {{ dbt.date_trunc('hour', 'sent_at') }}

),

final as (

    select
        interface,
        hour_at,
        call_count,
        message_count,
        failure_count,
        retry_count,
        duplicate_count,
        dead_letter_count,
        timeout_count,
        cast(failure_count as {{ dbt.type_float() }}) / call_count as failure_rate,
        cast(retry_count as {{ dbt.type_float() }}) / call_count as retry_rate,
        cast(duplicate_count as {{ dbt.type_float() }}) / call_count as duplicate_rate,
        cast(dead_letter_count as {{ dbt.type_float() }}) / call_count as dead_letter_rate,
        mean_latency_ms,
        p50_latency_ms,
        p95_latency_ms,
        orders_affected

    from hourly

)

select * from final
