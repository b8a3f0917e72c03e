{#
    The "now" of the data: the latest event time in the warehouse. Aging and open-SLA
    breaches are measured against it rather than the wall clock, so a rebuild of the same
    data gives the same numbers.
#}
with

workflow_events as (

    select max(event_at) as last_at from {{ ref('stg_raw__workflow_events') }}

),

integration_events as (

    select max(sent_at) as last_at from {{ ref('stg_raw__integration_events') }}

),

final as (

    select
        case
            when integration_events.last_at is null then workflow_events.last_at
            when workflow_events.last_at is null then integration_events.last_at
            when integration_events.last_at > workflow_events.last_at
                then integration_events.last_at
            else workflow_events.last_at
        end as as_of_at

    from workflow_events
    cross join integration_events

)

select * from final
