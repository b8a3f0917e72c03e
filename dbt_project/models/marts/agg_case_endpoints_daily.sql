{#
    How many cases start and end with each activity, per day and filter dimension: the
    start and end markers of the process map (pm4py's start and end activities). A case
    starts on the day of its first event and ends on the day of its last one; the first
    and last transitions of fct_case_transitions name them, and a case of one event (no
    transition) starts and ends with that event.
#}
with

transitions as (

    select
        case_id,
        transition_index,
        source_activity,
        source_at,
        target_activity,
        target_at,
        is_case_end

    from {{ ref('fct_case_transitions') }}
    where transition_index = 1 or is_case_end

),

single_event_cases as (

    select
        events.case_id,
        events.activity,
        events.event_at

    from {{ ref('int_process_events_selected') }} as events
    inner join {{ ref('fct_case_traces') }} as traces
        on events.case_id = traces.case_id
    where traces.event_count = 1

),

orders as (

    select
        case_id,
        channel,
        region,
        node_id,
        carrier
    from {{ ref('fct_orders') }}

),

endpoints as (

    select
        case_id,
        'start' as endpoint,
        source_activity as activity,
        source_at as endpoint_at
    from transitions
    where transition_index = 1

    union all

    select
        case_id,
        'end' as endpoint,
        target_activity as activity,
        target_at as endpoint_at
    from transitions
    where is_case_end

    union all

    select
        case_id,
        'start' as endpoint,
        activity,
        event_at as endpoint_at
    from single_event_cases

    union all

    select
        case_id,
        'end' as endpoint,
        activity,
        event_at as endpoint_at
    from single_event_cases

),

final as (

    select
        cast(endpoints.endpoint_at as date) as endpoint_date,
        endpoints.endpoint,
        endpoints.activity,
        orders.channel,
        orders.region,
        orders.node_id,
        orders.carrier,
        count(*) as case_count

    from endpoints
    left join orders
        on endpoints.case_id = orders.case_id
    group by
        cast(endpoints.endpoint_at as date),
        endpoints.endpoint,
        endpoints.activity,
        orders.channel,
        orders.region,
        orders.node_id,
        orders.carrier

)

select * from final
