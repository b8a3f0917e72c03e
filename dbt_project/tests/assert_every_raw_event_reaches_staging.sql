-- Reconciliation: staging holds exactly the raw rows (no event lost or duplicated).
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
