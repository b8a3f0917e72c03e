{#
    dbt's type_float() is a 4-byte FLOAT on DuckDB; rates and shares need double precision
    so that sums of shares add up and match independent computations.
#}
{% macro duckdb__type_float() -%}
    double
{%- endmacro %}

{# The same on Spark, whose type_float() is a 4-byte FLOAT too. #}
{% macro spark__type_float() -%}
    double
{%- endmacro %}
