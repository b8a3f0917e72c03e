{#
    Incremental: a case that received events since the last build (event_seq above the
    highest one already processed) is rebuilt whole, so a late event that lands between
    two earlier ones replaces the old pair instead of adding a wrong one. Every column
    comes from one window (one sort of the events by case and case order).
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

workflow_events as (

    select
        case_id,
        event_id,
        activity,
        event_at,
        event_seq

    from {{ ref('int_process_events_selected') }}
    {% if is_incremental() %}
        where case_id in (
                select changed.case_id
                from {{ ref('int_process_events_selected') }} as changed
                where changed.event_seq > (
                        select
                            coalesce(
                                max(greatest(built.source_event_seq, built.target_event_seq)),
                                -1
                            )
                        from {{ this }} as built
                    )
            )
    {% endif %}

),

followed as (

    select
        case_id,
        event_id as source_event_id,
        activity as source_activity,
        event_at as source_at,
        event_seq as source_event_seq,
        lead(event_id) over case_order as target_event_id,
        lead(activity) over case_order as target_activity,
        lead(event_at) over case_order as target_at,
        lead(event_seq) over case_order as target_event_seq,
        lead(event_seq, 2) over case_order is null as is_case_end,
        row_number() over case_order as transition_index

    from workflow_events
    window case_order as (partition by case_id order by event_at, event_seq)

),

final as (

    select
        case_id,
        transition_index,
        source_event_id,
        target_event_id,
        source_activity,
        target_activity,
        source_at,
        target_at,
        {{ seconds_between('source_at', 'target_at') }} as wait_seconds,
        cast(target_at as date) as transition_date,
        source_event_seq,
        target_event_seq,
        is_case_end

    from followed
    where target_event_seq is not null

)

select * from final
