{#
    The thresholds the marts apply, as one row, so a reader that decides per request (the
    dashboard's lift chart) reads the same value instead of keeping a second constant.
#}
with

final as (

    select
        {{ var('root_cause_min_orders') }} as root_cause_min_orders,
        {{ var('root_cause_min_exception_orders') }} as root_cause_min_exception_orders

)

select * from final
