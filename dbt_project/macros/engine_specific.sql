{#
    Engine-specific SQL, each behind adapter.dispatch: a portable default and a DuckDB
    implementation. Models call only these macros or dbt's cross-database macros, so the
    same models can run on another adapter by adding `<adapter>__<macro>` versions here.
#}

{# Exact elapsed seconds (with fractions) from `start_at` to `end_at`. #}
{% macro seconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('seconds_between', 'orderlens')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    ({{ dbt.datediff(start_at, end_at, 'millisecond') }} / 1000.0)
{%- endmacro %}

{% macro duckdb__seconds_between(start_at, end_at) -%}
    ((epoch_us({{ end_at }}) - epoch_us({{ start_at }})) / 1000000.0)
{%- endmacro %}

{# Continuous (interpolated) percentile of `expression` as an aggregate; `fraction` in [0, 1]. #}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'orderlens')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{# Ordered list (array) of `expression` as an aggregate, ordered by `order_by`. #}
{% macro ordered_list(expression, order_by) -%}
    {{ return(adapter.dispatch('ordered_list', 'orderlens')(expression, order_by)) }}
{%- endmacro %}

{% macro default__ordered_list(expression, order_by) -%}
    array_agg({{ expression }}) within group (order by {{ order_by }})
{%- endmacro %}

{% macro duckdb__ordered_list(expression, order_by) -%}
    list({{ expression }} order by {{ order_by }})
{%- endmacro %}

{# Ordered text aggregation with a separator, used as a variant's comparable key. #}
{% macro ordered_text(expression, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_text', 'orderlens')(expression, separator, order_by)) }}
{%- endmacro %}

{% macro default__ordered_text(expression, separator, order_by) -%}
    {{ dbt.listagg(expression, separator, 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro duckdb__ordered_text(expression, separator, order_by) -%}
    string_agg({{ expression }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{# Value of `expression` on the row where `order_by` is smallest, skipping null values. #}
{% macro first_value_by(expression, order_by) -%}
    {{ return(adapter.dispatch('first_value_by', 'orderlens')(expression, order_by)) }}
{%- endmacro %}

{% macro default__first_value_by(expression, order_by) -%}
    min_by({{ expression }}, case when {{ expression }} is not null then {{ order_by }} end)
{%- endmacro %}

{% macro duckdb__first_value_by(expression, order_by) -%}
    arg_min({{ expression }}, {{ order_by }})
{%- endmacro %}

{# ISO day of week of a date: 1 = Monday ... 7 = Sunday. #}
{% macro iso_day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'orderlens')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expression) -%}
    extract(isodow from {{ date_expression }})
{%- endmacro %}

{% macro duckdb__iso_day_of_week(date_expression) -%}
    isodow({{ date_expression }})
{%- endmacro %}

{#
    A 64-bit hash of one event's position in its case and its activity, as a number that
    can be summed: the sum over a case's events fingerprints its ordered activities (its
    variant) with a hash aggregate instead of a per-case sort. DuckDB's hash() is fast but
    may change between engine versions: after an engine upgrade, rebuild the incremental
    fct_case_traces with --full-refresh.
#}
{% macro position_fingerprint(position, value) -%}
    {{ return(adapter.dispatch('position_fingerprint', 'orderlens')(position, value)) }}
{%- endmacro %}

{% macro default__position_fingerprint(position, value) -%}
    cast(xxhash64(cast({{ position }} as {{ dbt.type_string() }}), {{ value }}) as decimal(38, 0))
{%- endmacro %}

{% macro duckdb__position_fingerprint(position, value) -%}
    cast(hash({{ position }}, {{ value }}) as hugeint)
{%- endmacro %}
