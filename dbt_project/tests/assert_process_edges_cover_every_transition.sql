-- Reconciliation: the edges add up to one transition per event that has a successor.
-- Dagster shows it as a check on the model it reconciles (it reads two nodes).
{{ config(meta={'dagster': {'ref': {'name': 'agg_process_edges'}}}) }}
with

events as (

    select
        count(*) as event_count,
        count(distinct case_id) as case_count

    from {{ ref('int_process_events_selected') }}

),

edges as (

    select coalesce(sum(frequency), 0) as transitions from {{ ref('agg_process_edges') }}

)

select
    events.event_count - events.case_count as expected_transitions,
    edges.transitions

from events
cross join edges
where events.event_count - events.case_count <> edges.transitions
