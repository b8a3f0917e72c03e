with

source as (

    select * from {{ source('reference', 'cost_model') }}

),

renamed as (

    select
        parameter as cost_parameter,
        cast(value as {{ dbt.type_float() }}) as parameter_value,
        unit as parameter_unit,
        description as parameter_description

    from source

)

select * from renamed
