with

display_names as (

    select * from {{ ref('display_names') }}

),

final as (

    select
        code_kind,
        code,
        display_name,
        coalesce(description, '') as description

    from display_names

)

select * from final
