{#
    The backlog as of the end of every day (UTC), not only today: the exceptions
    fct_exception_open_days lists as open at the day's end, counted with their aging
    buckets (the aging_bucket macro) and past-SLA flag, and the exceptions opened, reopened
    and closed during the day. Split by every dashboard filter dimension, so a filtered
    backlog is a sum of rows, never a second rule.
#}
with

exceptions as (

    select
        exception_id,
        exception_type,
        coalesce(owning_team, 'unassigned') as owning_team,
        coalesce(node_id, 'unassigned') as node_id,
        channel,
        region,
        carrier

    from {{ ref('fct_exceptions') }}

),

intervals as (

    select * from {{ ref('int_exception_open_intervals') }}

),

open_at_day_end as (

    select * from {{ ref('fct_exception_open_days') }}

),

open_counts as (

    select
        date_day,
        exception_type,
        owning_team,
        node_id,
        channel,
        region,
        carrier,
        count(*) as open_count,
        count(case when aging_bucket = '0-4h' then 1 end) as aged_0_4h_count,
        count(case when aging_bucket = '4-24h' then 1 end) as aged_4_24h_count,
        count(case when aging_bucket = '1-3d' then 1 end) as aged_1_3d_count,
        count(case when aging_bucket = '3-7d' then 1 end) as aged_3_7d_count,
        count(case when aging_bucket = '7d+' then 1 end) as aged_7d_plus_count,
        count(case when is_past_sla then 1 end) as past_sla_count,
        0 as opened_count,
        0 as reopened_count,
        0 as closed_count

    from open_at_day_end
    group by date_day, exception_type, owning_team, node_id, channel, region, carrier

),

flows as (

    select
        cast(intervals.opened_at as date) as date_day,
        exceptions.exception_type,
        exceptions.owning_team,
        exceptions.node_id,
        exceptions.channel,
        exceptions.region,
        exceptions.carrier,
        case when intervals.interval_index = 1 then 1 else 0 end as is_opened,
        case when intervals.interval_index > 1 then 1 else 0 end as is_reopened,
        0 as is_closed

    from intervals
    inner join exceptions
        on intervals.exception_id = exceptions.exception_id

    union all

    select
        cast(intervals.closed_at as date) as date_day,
        exceptions.exception_type,
        exceptions.owning_team,
        exceptions.node_id,
        exceptions.channel,
        exceptions.region,
        exceptions.carrier,
        0 as is_opened,
        0 as is_reopened,
        1 as is_closed

    from intervals
    inner join exceptions
        on intervals.exception_id = exceptions.exception_id
    where intervals.closed_at is not null

),

flow_counts as (

    select
        date_day,
        exception_type,
        owning_team,
        node_id,
        channel,
        region,
        carrier,
        0 as open_count,
        0 as aged_0_4h_count,
        0 as aged_4_24h_count,
        0 as aged_1_3d_count,
        0 as aged_3_7d_count,
        0 as aged_7d_plus_count,
        0 as past_sla_count,
        cast(sum(is_opened) as {{ dbt.type_bigint() }}) as opened_count,
        cast(sum(is_reopened) as {{ dbt.type_bigint() }}) as reopened_count,
        cast(sum(is_closed) as {{ dbt.type_bigint() }}) as closed_count

    from flows
    group by date_day, exception_type, owning_team, node_id, channel, region, carrier

),

combined as (

    select * from open_counts
    union all
    select * from flow_counts

),

final as (

    select
        date_day,
        exception_type,
        owning_team,
        node_id,
        channel,
        region,
        carrier,
        cast(sum(open_count) as {{ dbt.type_bigint() }}) as open_count,
        cast(sum(aged_0_4h_count) as {{ dbt.type_bigint() }}) as aged_0_4h_count,
        cast(sum(aged_4_24h_count) as {{ dbt.type_bigint() }}) as aged_4_24h_count,
        cast(sum(aged_1_3d_count) as {{ dbt.type_bigint() }}) as aged_1_3d_count,
        cast(sum(aged_3_7d_count) as {{ dbt.type_bigint() }}) as aged_3_7d_count,
        cast(sum(aged_7d_plus_count) as {{ dbt.type_bigint() }}) as aged_7d_plus_count,
        cast(sum(past_sla_count) as {{ dbt.type_bigint() }}) as past_sla_count,
        cast(sum(opened_count) as {{ dbt.type_bigint() }}) as opened_count,
        cast(sum(reopened_count) as {{ dbt.type_bigint() }}) as reopened_count,
        cast(sum(closed_count) as {{ dbt.type_bigint() }}) as closed_count

    from combined
    group by date_day, exception_type, owning_team, node_id, channel, region, carrier

)

select * from final
