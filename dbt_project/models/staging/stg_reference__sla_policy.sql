with

source as (

    select * from {{ source('reference', 'sla_policy') }}

),

renamed as (

    select
        channel,
        promise_hours,
        pickup_ready_hours

    from source

)

select * from renamed
