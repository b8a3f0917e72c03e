{#
    Fails with one row per listed column that holds a null, and how many rows it is null
    in. One scan of the model for all its required columns: a separate `not_null` test per
    column costs a query and a dbt node each, which is most of a small build's test time.
#}
{% test not_null_columns(model, columns) %}

with null_counts as (
    select
        {%- for column_name in columns %}
            sum(case when {{ column_name }} is null then 1 else 0 end)
            as {{ column_name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% for column_name in columns %}
    select
        '{{ column_name }}' as null_column,
        {{ column_name }} as null_rows
    from null_counts
    where {{ column_name }} > 0
    {% if not loop.last %}union all{% endif %}
{% endfor %}

{% endtest %}
