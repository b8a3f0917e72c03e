with

source as (

    select * from {{ source('reference', 'exception_taxonomy') }}

),

renamed as (

    select
        exception_type,
        exception_class,
        description as exception_type_description,
        owning_team,
        auto_resolvable as is_auto_resolvable,
        first_response_sla_minutes,
        resolution_sla_minutes,
        escalation_path,
        recommended_action

    from source

)

select * from renamed
