{#
    Fails for every case whose transitions are not numbered 1..n with exactly one case
    end at n: catches a case inserted twice by an incremental build, a gap or a missing
    start. One hash aggregate by case, far cheaper on millions of transitions than a
    composite-key uniqueness test grouping by (case_id, transition_index).
#}
{% test transitions_numbered_per_case(model) %}

select
    case_id,
    count(*) as transitions,
    min(transition_index) as first_index,
    max(transition_index) as last_index

from {{ model }}
group by case_id
having
    min(transition_index) <> 1
    or max(transition_index) <> count(*)
    or sum(transition_index) <> count(*) * (count(*) + 1) / 2
    or count(case when is_case_end then 1 end) <> 1
    or max(case when is_case_end then transition_index end) <> count(*)

{% endtest %}
