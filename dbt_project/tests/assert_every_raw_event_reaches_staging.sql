-- Reconciliation: staging holds exactly the raw rows (no event lost or duplicated).
-- Dagster shows it as a check on the model it reconciles (it reads two nodes).
{{ config(meta={'dagster': {'ref': {'name': 'stg_raw__workflow_events'}}}) }}
with

raw_count as (

    select count(*) as events from {{ source('raw', 'workflow_events') }}

),

staged_count as (

    select count(*) as events from {{ ref('stg_raw__workflow_events') }}

)

select
    raw_count.events as raw_events,
    staged_count.events as staged_events

from raw_count
cross join staged_count
where raw_count.events <> staged_count.events
