with

taxonomy as (

    select * from {{ ref('stg_reference__exception_taxonomy') }}

),

final as (

    select
        exception_type,
        exception_class,
        exception_type_description,
        owning_team,
        is_auto_resolvable,
        first_response_sla_minutes,
        resolution_sla_minutes,
        escalation_path,
        recommended_action

    from taxonomy

)

select * from final
