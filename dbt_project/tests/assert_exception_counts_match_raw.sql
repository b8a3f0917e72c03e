-- Reconciliation: every distinct exception_id in raw is one row of fct_exceptions, per type.
-- Dagster shows it as a check on the model it reconciles (it reads two nodes).
{{ config(meta={'dagster': {'ref': {'name': 'fct_exceptions'}}}) }}
with

raw_exceptions as (

    select count(distinct exception_id) as exceptions
    from {{ source('raw', 'workflow_events') }}
    where exception_id is not null

),

mart_exceptions as (

    select count(*) as exceptions from {{ ref('fct_exceptions') }}

)

select
    raw_exceptions.exceptions as raw_exceptions,
    mart_exceptions.exceptions as mart_exceptions

from raw_exceptions
cross join mart_exceptions
where raw_exceptions.exceptions <> mart_exceptions.exceptions
