{#
    The cost model exactly as dbt priced the exceptions and judged the automation levels
    with, as one row, so the ROI page's labor rate and investment start from the same
    values instead of reading the reference table a second way.
#}
with

final as (

    select * from {{ ref('int_cost_parameters_pivoted') }}

)

select * from final
