{#
    The return of an automation plan, defined once: mart_roi_payback applies it to the
    stated automation levels, and dashboard/what_if.py repeats the same two formulas for a
    plan the user draws (tests/dashboard/test_metrics_match_marts.py proves both agree).
#}

{# A period's amount as a yearly run-rate: scaled by 365 over the period's days. #}
{% macro annualised(amount, period_days) -%}
    case when {{ period_days }} > 0 then {{ amount }} * 365.0 / {{ period_days }} end
{%- endmacro %}

{#
    Months until the one-off implementation cost is earned back by the yearly savings net
    of the yearly run cost; null when the net benefit is not positive (never pays back).
#}
{% macro payback_months(implementation_cost, annualised_savings, yearly_run_cost) -%}
    case
        when {{ annualised_savings }} - {{ yearly_run_cost }} > 0
            then 12.0 * {{ implementation_cost }}
            / ({{ annualised_savings }} - {{ yearly_run_cost }})
    end
{%- endmacro %}
