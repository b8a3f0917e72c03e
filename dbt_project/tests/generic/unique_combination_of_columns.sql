{#
    Fails for every combination of `columns` that occurs more than once: the composite
    key of a model (for example exception_id + exception_event_index) is unique.
#}
{% test unique_combination_of_columns(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences

from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
