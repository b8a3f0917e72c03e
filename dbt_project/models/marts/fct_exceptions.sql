with

exceptions as (

    select * from {{ ref('int_exceptions_aggregated') }}

),

taxonomy as (

    select * from {{ ref('stg_reference__exception_taxonomy') }}

),

costs as (

    select * from {{ ref('int_cost_parameters_pivoted') }}

),

as_of as (

    select * from {{ ref('int_warehouse_as_of') }}

),

orders as (

    select * from {{ ref('int_orders_summarized') }}

),

timed as (

    select
        exceptions.exception_id,
        exceptions.case_id,
        exceptions.exception_type,
        exceptions.reason_code,
        exceptions.source_system,
        coalesce(exceptions.channel, orders.channel) as channel,
        coalesce(exceptions.node_id, orders.node_id) as node_id,
        coalesce(exceptions.region, orders.region) as region,
        coalesce(exceptions.carrier, orders.carrier) as carrier,
        coalesce(exceptions.supplier, orders.supplier) as supplier,
        exceptions.detected_at,
        exceptions.first_response_at,
        exceptions.resolved_at,
        exceptions.resolving_stage,
        exceptions.event_count,
        exceptions.effect_event_count,
        exceptions.touch_count,
        exceptions.escalation_count,
        exceptions.reopen_count,
        exceptions.expedite_event_count,
        exceptions.cancellation_event_count,
        exceptions.reroute_event_count,
        exceptions.refund_amount,
        taxonomy.exception_class,
        taxonomy.owning_team,
        taxonomy.is_auto_resolvable as is_auto_resolvable_type,
        taxonomy.first_response_sla_minutes,
        taxonomy.resolution_sla_minutes,
        as_of.as_of_at,
        costs.labor_rate_per_hour,
        costs.minutes_per_manual_touch,
        costs.escalation_cost as unit_escalation_cost,
        costs.expedite_cost as unit_expedite_cost,
        costs.cancellation_cost as unit_cancellation_cost,
        costs.refund_leakage_rate,
        {{ seconds_between('exceptions.detected_at', 'exceptions.first_response_at') }} / 60.0
            as first_response_minutes,
        {{ seconds_between('exceptions.detected_at', 'exceptions.resolved_at') }} / 60.0
            as resolution_minutes,
        {{ seconds_between('exceptions.detected_at', 'as_of.as_of_at') }} / 60.0
            as minutes_since_detected

    from exceptions
    left join taxonomy
        on exceptions.exception_type = taxonomy.exception_type
    left join orders
        on exceptions.case_id = orders.case_id
    cross join as_of
    cross join costs

),

judged as (

    select
        *,
        resolved_at is null as is_open,
        coalesce(resolution_minutes, minutes_since_detected) as age_minutes,
        case
            when first_response_sla_minutes is null then null
            when first_response_at is not null
                then first_response_minutes <= first_response_sla_minutes
            when minutes_since_detected > first_response_sla_minutes then false
        end as is_first_response_sla_met,
        case
            when resolution_sla_minutes is null then null
            when resolved_at is not null then resolution_minutes <= resolution_sla_minutes
            when minutes_since_detected > resolution_sla_minutes then false
        end as is_resolution_sla_met,
        touch_count * minutes_per_manual_touch / 60.0 as labor_hours,
        touch_count * minutes_per_manual_touch / 60.0 * labor_rate_per_hour as labor_cost,
        escalation_count * unit_escalation_cost as escalation_cost,
        case when expedite_event_count > 0 then unit_expedite_cost else 0 end as expedite_cost,
        case when cancellation_event_count > 0 then unit_cancellation_cost else 0 end
            as cancellation_cost,
        refund_amount * refund_leakage_rate as refund_leakage_cost

    from timed

),

final as (

    select
        -- ids
        judged.exception_id,
        judged.case_id,

        -- what and who owns it
        judged.exception_type,
        judged.exception_class,
        judged.owning_team,
        judged.is_auto_resolvable_type,
        judged.reason_code,

        -- where it happened
        judged.source_system,
        judged.channel,
        judged.node_id,
        judged.region,
        judged.carrier,
        judged.supplier,

        -- lifecycle
        judged.detected_at,
        judged.first_response_at,
        judged.resolved_at,
        judged.as_of_at,
        case when judged.is_open then 'open' else 'resolved' end as status,
        judged.is_open,
        case
            when judged.is_open then null
            when judged.resolving_stage = 'resolved_auto' then 'auto'
            else 'manual'
        end as resolution,
        coalesce(
            not judged.is_open and judged.resolving_stage = 'resolved_auto', false
        ) as is_auto_resolved,
        judged.event_count,
        judged.effect_event_count,
        judged.touch_count,
        judged.touch_count = 0 as is_touchless,
        judged.escalation_count,
        judged.escalation_count > 0 as is_escalated,
        judged.reopen_count,
        judged.reopen_count > 0 as is_reopened,

        -- durations and aging
        judged.first_response_minutes,
        judged.resolution_minutes,
        judged.age_minutes,
        {{ aging_bucket('judged.age_minutes') }} as aging_bucket,

        -- service levels
        judged.first_response_sla_minutes,
        judged.resolution_sla_minutes,
        judged.is_first_response_sla_met,
        coalesce(not judged.is_first_response_sla_met, false) as is_first_response_sla_breached,
        judged.is_resolution_sla_met,
        coalesce(not judged.is_resolution_sla_met, false) as is_resolution_sla_breached,

        -- effects on the order
        judged.expedite_event_count > 0 as has_expedite,
        judged.cancellation_event_count > 0 as has_cancellation,
        judged.reroute_event_count > 0 as has_reroute,
        judged.refund_amount,

        -- cost (reference.cost_model), in the cost model's currency
        judged.labor_hours,
        round(judged.labor_cost, 4) as labor_cost,
        round(judged.escalation_cost, 4) as escalation_cost,
        round(judged.expedite_cost, 4) as expedite_cost,
        round(judged.cancellation_cost, 4) as cancellation_cost,
        round(judged.refund_leakage_cost, 4) as refund_leakage_cost,
        round(
            judged.labor_cost
            + judged.escalation_cost
            + judged.expedite_cost
            + judged.cancellation_cost
            + judged.refund_leakage_cost,
            4
        ) as total_cost,

        -- what automation can remove: the touches of a type the taxonomy lets resolve
        -- without a person, their labor and their escalations (mart_roi, the ROI page)
        case when judged.is_auto_resolvable_type then judged.touch_count else 0 end
            as automatable_touch_count,
        case when judged.is_auto_resolvable_type then judged.labor_hours else 0 end
            as automatable_labor_hours,
        round(case when judged.is_auto_resolvable_type then judged.escalation_cost else 0 end, 4)
            as automatable_escalation_cost,
        round(
            case
                when judged.is_auto_resolvable_type
                    then judged.labor_cost + judged.escalation_cost
                else 0
            end,
            4
        ) as automatable_cost

    from judged

)

select * from final
