{#
    One row per case: size, first and last event, throughput and the fingerprint of its
    variant, the sum over its events of position_fingerprint(position, activity). The
    positions come from fct_case_transitions (transition i starts at event i; the last
    transition also ends at event n), so no second sort of the events is needed; a case
    with a single event has no transition and is fingerprinted from its one event. The
    hash (MD5, the same on every engine) is computed once per distinct (position,
    activity) pair, a few thousand, and joined back to the events.
    Incremental like fct_case_transitions: a case with new events is traced again whole.
#}
{{
    config(
        materialized='incremental',
        unique_key='case_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

{% if is_incremental() %}
    changed_cases as (

        select distinct changed.case_id
        from {{ ref('int_process_events_selected') }} as changed
        where changed.event_seq > (
                select coalesce(max(built.case_max_event_seq), -1)
                from {{ this }} as built
            )

    ),
{% endif %}

workflow_events as (

    select
        case_id,
        activity,
        event_at,
        event_seq

    from {{ ref('int_process_events_selected') }}
    {% if is_incremental() %}
        where case_id in (select changed_cases.case_id from changed_cases)
    {% endif %}

),

transitions as (

    select
        case_id,
        transition_index,
        source_activity,
        target_activity,
        is_case_end

    from {{ ref('fct_case_transitions') }}
    {% if is_incremental() %}
        where case_id in (select changed_cases.case_id from changed_cases)
    {% endif %}

),

event_summary as (

    select
        case_id,
        count(*) as event_count,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        max(event_seq) as case_max_event_seq,
        min(activity) as any_activity

    from workflow_events
    group by case_id

),

positioned_events as (

    select
        case_id,
        transition_index as event_position,
        source_activity as activity
    from transitions

    union all

    select
        case_id,
        transition_index + 1 as event_position,
        target_activity as activity
    from transitions
    where is_case_end

),

positions as (

    select distinct
        event_position,
        activity
    from positioned_events

),

position_hashes as (

    select
        event_position,
        activity,
        {{ position_fingerprint('event_position', 'activity') }} as position_hash

    from positions

),

transition_fingerprints as (

    select
        positioned_events.case_id,
        sum(position_hashes.position_hash) as variant_fingerprint

    from positioned_events
    inner join position_hashes
        on
            positioned_events.event_position = position_hashes.event_position
            and positioned_events.activity = position_hashes.activity
    group by positioned_events.case_id

),

final as (

    select
        event_summary.case_id,
        coalesce(
            transition_fingerprints.variant_fingerprint,
            {{ position_fingerprint('1', 'event_summary.any_activity') }}
        ) as variant_fingerprint,
        event_summary.event_count,
        event_summary.first_event_at,
        event_summary.last_event_at,
        {{ seconds_between('event_summary.first_event_at', 'event_summary.last_event_at') }}
            as throughput_seconds,
        event_summary.case_max_event_seq

    from event_summary
    left join transition_fingerprints
        on event_summary.case_id = transition_fingerprints.case_id

)

select * from final
