{#
    Which exceptions were open at the end of each day (UTC), how old they were then and
    whether they were past their resolution SLA: the one rule of "open on a day", read by
    the daily backlog (fct_exception_backlog_daily adds these rows up) and by the
    dashboard's list of the longest-open exceptions. An exception counts on a day when one
    of its open intervals (reopenings included) spans the day's end; age and SLA are
    measured from the original detection.
#}
with

days as (

    select
        date_day,
        {{ dbt.dateadd('day', 1, 'cast(date_day as ' ~ dbt.type_timestamp() ~ ')') }} as day_end_at

    from {{ ref('dim_dates') }}

),

exceptions as (

    select * from {{ ref('fct_exceptions') }}

),

intervals as (

    select * from {{ ref('int_exception_open_intervals') }}

),

open_at_day_end as (

    select
        days.date_day,
        exceptions.exception_id,
        exceptions.case_id,
        exceptions.exception_type,
        coalesce(exceptions.owning_team, 'unassigned') as owning_team,
        exceptions.reason_code,
        coalesce(exceptions.node_id, 'unassigned') as node_id,
        exceptions.channel,
        exceptions.region,
        exceptions.carrier,
        exceptions.detected_at,
        exceptions.resolution_sla_minutes,
        {{ seconds_between('exceptions.detected_at', 'days.day_end_at') }} / 60.0 as age_minutes

    from intervals
    inner join exceptions
        on intervals.exception_id = exceptions.exception_id
    inner join days
        on
            intervals.opened_at < days.day_end_at
            and (intervals.closed_at is null or intervals.closed_at >= days.day_end_at)

),

final as (

    select
        date_day,
        exception_id,
        case_id,
        exception_type,
        owning_team,
        reason_code,
        node_id,
        channel,
        region,
        carrier,
        detected_at,
        age_minutes,
        {{ aging_bucket('age_minutes') }} as aging_bucket,
        coalesce(age_minutes > resolution_sla_minutes, false) as is_past_sla

    from open_at_day_end

)

select * from final
