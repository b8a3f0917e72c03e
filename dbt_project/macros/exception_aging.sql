{#
    Aging bucket of an exception from its age in minutes. One definition shared by
    fct_exceptions and the daily backlog, so "aged over a day" means the same everywhere.
#}
{% macro aging_bucket(age_minutes) -%}
    case
        when {{ age_minutes }} is null then null
        when {{ age_minutes }} < 240 then '0-4h'
        when {{ age_minutes }} < 1440 then '4-24h'
        when {{ age_minutes }} < 4320 then '1-3d'
        when {{ age_minutes }} < 10080 then '3-7d'
        else '7d+'
    end
{%- endmacro %}
