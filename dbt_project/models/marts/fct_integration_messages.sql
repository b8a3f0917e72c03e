with

attempts as (

    select * from {{ ref('int_integration_attempts_ranked') }}

),

collapsed as (

    select
        idempotency_key,
        max(case_id) as case_id,
        max(interface) as interface,
        max(source_system) as source_system,
        max(target_system) as target_system,
        max(operation) as operation,  -- noqa: RF04
        count(*) as attempt_count,
        max(attempt) as max_attempt,
        count(case when is_failure then 1 end) as failed_attempt_count,
        count(case when status = 'ok' then 1 end) as ok_attempt_count,
        count(case when is_duplicate_delivery then 1 end) as duplicate_delivery_count,
        max(case when is_final_attempt then status end) as final_status,
        max(case when is_dead_lettered then 1 else 0 end) = 1 as is_dead_lettered,
        max(case when is_replayed then 1 else 0 end) = 1 as is_replayed,
        min(sent_at) as first_sent_at,
        max(sent_at) as last_sent_at,
        min(case when is_first_delivery then sent_at end) as delivered_sent_at,
        max(case when is_first_delivery then latency_ms end) as delivered_latency_ms,
        sum(latency_ms) as total_attempt_latency_ms

    from attempts
    group by idempotency_key

),

final as (

    select
        idempotency_key,
        case_id,
        interface,
        source_system,
        target_system,
        operation,
        attempt_count,
        max_attempt,
        attempt_count - 1 as retry_count,
        failed_attempt_count,
        ok_attempt_count,
        ok_attempt_count > 0 as is_delivered,
        duplicate_delivery_count,
        duplicate_delivery_count > 0 as has_duplicate_delivery,
        final_status,
        is_dead_lettered,
        is_replayed,
        first_sent_at,
        last_sent_at,
        {{ seconds_between('first_sent_at', 'delivered_sent_at') }} * 1000.0
        + delivered_latency_ms as delivery_latency_ms,
        total_attempt_latency_ms

    from collapsed

)

select * from final
