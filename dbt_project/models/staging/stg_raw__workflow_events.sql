with

source as (

    select * from {{ source('raw', 'workflow_events') }}

),

renamed as (

    select
        -- ids
        event_id,
        case_id,
        order_line_id,
        shipment_id,
        payment_id,
        return_id,
        exception_id,

        -- what happened, where and by whom
        activity,
        lower(trim(lifecycle)) as lifecycle,
        source_system,
        resource,
        resource_type,
        channel,
        node_id,
        region,
        carrier,
        supplier,

        -- exception fields
        exception_type,
        exception_stage,
        reason_code,

        -- money
        cast(amount as {{ dbt.type_float() }}) as amount,
        currency,
        attributes,

        -- time and arrival order
        event_at,
        event_seq,

        -- lineage
        source_file,
        source_row,
        load_id

    from source

)

select * from renamed
