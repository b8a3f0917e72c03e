with

source as (

    select * from {{ source('raw', 'integration_events') }}

),

renamed as (

    select
        -- ids
        message_id,
        idempotency_key,
        correlation_id as case_id,

        -- interface
        interface,
        source_system,
        target_system,
        operation,

        -- outcome
        status,
        attempt,
        cast(latency_ms as {{ dbt.type_float() }}) as latency_ms,
        dead_lettered as is_dead_lettered,
        replayed as is_replayed,
        error_message,

        -- time and arrival order
        sent_at,
        event_seq,

        -- lineage
        source_file,
        source_row,
        load_id

    from source

)

select * from renamed
