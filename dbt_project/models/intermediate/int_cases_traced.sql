{#
    One row per case with its trace: the ordered activities (its variant), first and last
    event time and size. Incremental like fct_case_transitions: a case with new events is
    traced again from all its events.
#}
{{
    config(
        materialized='incremental',
        unique_key='case_id',
        incremental_strategy='delete+insert',
    )
}}

with

workflow_events as (

    select
        case_id,
        activity,
        event_at,
        event_seq

    from {{ ref('stg_raw__workflow_events') }}
    {% if is_incremental() %}
        where case_id in (
                select changed.case_id
                from {{ ref('stg_raw__workflow_events') }} as changed
                where changed.event_seq > (
                        select coalesce(max(built.case_max_event_seq), -1)
                        from {{ this }} as built
                    )
            )
    {% endif %}

),

traced as (

    select
        case_id,
        {{ ordered_text('activity', "' -> '", 'event_at, event_seq') }} as variant_key,
        {{ ordered_list('activity', 'event_at, event_seq') }} as activities,
        count(*) as event_count,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        max(event_seq) as case_max_event_seq

    from workflow_events
    group by case_id

),

final as (

    select
        case_id,
        variant_key,
        activities,
        event_count,
        first_event_at,
        last_event_at,
        {{ seconds_between('first_event_at', 'last_event_at') }} as throughput_seconds,
        case_max_event_seq

    from traced

)

select * from final
