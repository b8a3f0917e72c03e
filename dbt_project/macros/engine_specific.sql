{#
    Engine-specific SQL, each behind adapter.dispatch: a portable default, a DuckDB and,
    where the default does not run or does not give DuckDB's exact answer, a Spark
    implementation. Models call only these macros or dbt's cross-database macros, so the
    same models run on another adapter by adding `<adapter>__<macro>` versions here.
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

{# Microseconds as a double, as on DuckDB: dbt's Spark datediff counts whole seconds. #}
{% macro spark__seconds_between(start_at, end_at) -%}
    (
        cast(
            unix_micros(cast({{ end_at }} as timestamp))
            - unix_micros(cast({{ start_at }} as timestamp)) as double
        ) / 1000000
    )
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

{#
    Spark has no ordered array aggregate: collect (sort keys..., value) structs, sort them
    (structs compare field by field) and keep the values. `order_by` is a comma-separated
    list of ascending sort keys; make it total (a tie-breaker last), or equal keys leave
    the order to the engine.
#}
{% macro spark__ordered_list(expression, order_by) -%}
    transform(
        array_sort(collect_list(struct(
            {%- for key in order_by.split(',') %}
                {{ key | trim }} as sort_key_{{ loop.index }},
            {%- endfor %}
            {{ expression }} as sorted_value
        ))),
        sorted_item -> sorted_item.sorted_value
    )
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

{% macro spark__ordered_text(expression, separator, order_by) -%}
    array_join({{ spark__ordered_list(expression, order_by) }}, {{ separator }})
{%- endmacro %}

{#
    Value of `expression` on the row where `order_by` is smallest, skipping null values.
    Rows that tie on `order_by` are ordered by `tie_breaker` (a unique column such as
    event_seq): without it the engine picks any of them, and two engines, or two runs of
    one, may pick differently.
#}
{% macro first_value_by(expression, order_by, tie_breaker=none) -%}
    {{ return(adapter.dispatch('first_value_by', 'orderlens')(expression, order_by, tie_breaker)) }}
{%- endmacro %}

{% macro default__first_value_by(expression, order_by, tie_breaker=none) -%}
    {%- set ordering = order_by if tie_breaker is none
        else 'struct(' ~ order_by ~ ', ' ~ tie_breaker ~ ')' -%}
    min_by({{ expression }}, case when {{ expression }} is not null then {{ ordering }} end)
{%- endmacro %}

{% macro duckdb__first_value_by(expression, order_by, tie_breaker=none) -%}
    {%- set ordering = order_by if tie_breaker is none
        else 'row(' ~ order_by ~ ', ' ~ tie_breaker ~ ')' -%}
    arg_min({{ expression }}, {{ ordering }})
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

{# Spark's weekday() is 0 = Monday ... 6 = Sunday. #}
{% macro spark__iso_day_of_week(date_expression) -%}
    (weekday({{ date_expression }}) + 1)
{%- endmacro %}

{#
    A 60-bit hash of one event's position in its case and its activity, as a number that
    can be summed: the sum over a case's events fingerprints its ordered activities (its
    variant) with a hash aggregate instead of a per-case sort. The first 15 hex digits of
    the MD5 of '<position>|<value>', the same number on every engine (and every engine
    version), so marts holding fingerprints built by DuckDB and by Spark compare equal.
    MD5 is slow per row: fct_case_traces hashes each distinct (position, activity) pair
    once and joins the hashes back. Sums are exact in decimal(38, 0) (hugeint on DuckDB).
#}
{% macro position_fingerprint(position, value) -%}
    {{ return(adapter.dispatch('position_fingerprint', 'orderlens')(position, value)) }}
{%- endmacro %}

{% macro position_fingerprint_text(position, value) -%}
    md5({{ dbt.concat(['cast(' ~ position ~ ' as ' ~ dbt.type_string() ~ ')', "'|'", value]) }})
{%- endmacro %}

{% macro default__position_fingerprint(position, value) -%}
    cast(
        conv(substring({{ position_fingerprint_text(position, value) }}, 1, 15), 16, 10)
        as decimal(38, 0)
    )
{%- endmacro %}

{% macro duckdb__position_fingerprint(position, value) -%}
    cast(
        cast('0x' || substring({{ position_fingerprint_text(position, value) }}, 1, 15) as bigint)
        as hugeint
    )
{%- endmacro %}

{#
    dbt's Spark dateadd works in whole seconds (to_unix_timestamp) and drops the fractions
    of a timestamp; timestampadd keeps microseconds, as DuckDB's interval arithmetic does.
#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
