{#
    The cost model (reference.cost_model) as one row, a column per parameter, 0 when the
    reference file leaves a parameter out. Exceptions are priced and automation plans
    judged with these values only; the dashboard reads them back from mart_cost_parameters.
#}
with

cost_model as (

    select * from {{ ref('stg_reference__cost_model') }}

),

pivoted as (

    select
        coalesce(max(case when cost_parameter = 'labor_rate_per_hour' then parameter_value end), 0)
            as labor_rate_per_hour,
        coalesce(
            max(case when cost_parameter = 'minutes_per_manual_touch' then parameter_value end), 0
        ) as minutes_per_manual_touch,
        coalesce(max(case when cost_parameter = 'expedite_cost' then parameter_value end), 0)
            as expedite_cost,
        coalesce(max(case when cost_parameter = 'cancellation_cost' then parameter_value end), 0)
            as cancellation_cost,
        coalesce(
            max(case when cost_parameter = 'refund_leakage_rate' then parameter_value end), 0
        ) as refund_leakage_rate,
        coalesce(max(case when cost_parameter = 'escalation_cost' then parameter_value end), 0)
            as escalation_cost,
        coalesce(
            max(
                case
                    when cost_parameter = 'automation_implementation_cost' then parameter_value
                end
            ),
            0
        ) as automation_implementation_cost,
        coalesce(
            max(
                case when cost_parameter = 'automation_yearly_run_cost' then parameter_value end
            ),
            0
        ) as automation_yearly_run_cost

    from cost_model

)

select * from pivoted
