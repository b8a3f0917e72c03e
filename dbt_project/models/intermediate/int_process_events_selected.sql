{#
    The events the process flow reads: one definition of how lifecycle transitions are
    treated, shared by every process-flow mart and by process mining (its default event
    log). The dbt var `lifecycle` (ORDERLENS_LIFECYCLE) chooses:
    - completions: events whose lifecycle is 'complete' or absent, so a step logged as
      start and complete counts once (a log without lifecycle data is read whole);
    - activity_transition: every event, named activity || '+' || lifecycle where it has
      one (ProM's and pm4py's concept:name + lifecycle:transition classifier);
    - all: every event under its activity name (pm4py's default).
    A view: it adds no copy of the log, and the marts read it as they read staging.
#}
{{ config(materialized='view') }}

{%- set treatment = var('lifecycle') -%}
{%- if treatment not in ['completions', 'activity_transition', 'all'] -%}
    {{ exceptions.raise_compiler_error(
        "var lifecycle must be completions, activity_transition or all, got '"
        ~ treatment ~ "'"
    ) }}
{%- endif %}

with

workflow_events as (

    select * from {{ ref('stg_raw__workflow_events') }}

),

final as (

    select
        event_id,
        case_id,
        order_line_id,
        shipment_id,
        payment_id,
        return_id,
        exception_id,
        {% if treatment == 'activity_transition' -%}
            case
                when lifecycle is null then activity
                else {{ dbt.concat(['activity', "'+'", 'lifecycle']) }}
            end as activity,
        {%- else -%}
            activity,
        {%- endif %}
        activity as activity_name,
        lifecycle,
        source_system,
        resource,
        resource_type,
        channel,
        node_id,
        region,
        carrier,
        supplier,
        exception_type,
        exception_stage,
        reason_code,
        amount,
        currency,
        attributes,
        event_at,
        event_seq,
        source_file,
        source_row,
        load_id

    from workflow_events
    {% if treatment == 'completions' -%}
        where lifecycle is null or lifecycle = 'complete'
    {%- endif %}

)

select * from final
