{#
    The delete+insert incremental strategy on Spark's Parquet tables, which dbt-spark
    offers only with Delta, Iceberg or Hudi (merge). fct_case_transitions and
    fct_case_traces rebuild every case with new events: their rows for those cases are
    replaced whole, the other cases' rows kept. These two macros take the place of
    dbt-spark's own of the same names (the root project's macros win over an adapter's).
#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {%- if not config.get('unique_key') -%}
            {{ exceptions.raise_compiler_error(
                "delete+insert on Spark needs a unique_key (model " ~ this ~ ")"
            ) }}
        {%- endif -%}
        {{ return(raw_strategy) }}
    {%- endif -%}
    {{ return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(
    strategy, source, target, existing, unique_key, incremental_predicates
) %}
    {%- if strategy == 'delete+insert' -%}
        {{ return(spark_delete_insert_sql(source, target, unique_key)) }}
    {%- endif -%}
    {{ return(dbt_spark.dbt_spark_get_incremental_sql(
        strategy, source, target, existing, unique_key, incremental_predicates
    )) }}
{% endmacro %}

{#
    Replaces the target's rows whose unique_key is among the new rows (`source`, the
    incremental model's temporary view) with the new rows. Spark refuses to overwrite a
    table that the same statement reads, so: the new rows are written to a table (the
    view reads the target, and must be read before the target changes), the target's
    other rows to a second one, the target is overwritten from both, and both are
    dropped. The statements before the last run here; the last one, dropping the new
    rows' table, is returned as the model's main statement.
#}
{% macro spark_delete_insert_sql(source, target, unique_key) %}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set new_rows = target.incorporate(path={'identifier': target.identifier ~ '__dbt_new'}) -%}
    {%- set kept_rows = target.incorporate(path={'identifier': target.identifier ~ '__dbt_kept'}) -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {%- for helper in [new_rows, kept_rows] -%}
        {%- do run_query('drop table if exists ' ~ helper) -%}
    {%- endfor -%}
    {%- do run_query(
        'create table ' ~ new_rows ~ ' using parquet as select ' ~ columns ~ ' from ' ~ source
    ) -%}
    {%- set key_match -%}
        {%- for key in keys -%}
            new_rows.{{ key }} = kept.{{ key }}{{ ' and ' if not loop.last }}
        {%- endfor -%}
    {%- endset -%}
    {%- do run_query(
        'create table ' ~ kept_rows ~ ' using parquet as select ' ~ columns
        ~ ' from ' ~ target ~ ' as kept where not exists (select 1 from ' ~ new_rows
        ~ ' as new_rows where ' ~ key_match ~ ')'
    ) -%}
    {%- do run_query(
        'insert overwrite table ' ~ target ~ ' select ' ~ columns ~ ' from ' ~ kept_rows
        ~ ' union all select ' ~ columns ~ ' from ' ~ new_rows
    ) -%}
    {%- do run_query('drop table if exists ' ~ kept_rows) -%}
    {{ return('drop table if exists ' ~ new_rows) }}
{% endmacro %}
