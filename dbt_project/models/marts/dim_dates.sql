{#
    The business calendar: one row per day from the first to the last event day in the
    warehouse (today when it is empty), with weekends and the holidays of the
    business_holidays seed marked as non-working days.
#}
with

first_events as (

    select cast(min(event_at) as date) as first_day
    from {{ ref('stg_raw__workflow_events') }}

),

as_of as (

    select cast(max(as_of_at) as date) as last_day
    from {{ ref('int_warehouse_as_of') }}

),

bounds as (

    select
        coalesce(first_events.first_day, current_date) as first_day,
        coalesce(as_of.last_day, current_date) as last_day
    from first_events
    cross join as_of

),

digits as (

    select digit_values.digit
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit_values (digit)

),

{# Day offsets 0..99,999 (273 years) from plain cross joins: no query at compile time,
   and no engine-specific series function. #}
offsets as (

    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands

),

spine as (

    select
        cast(
            {{ dbt.dateadd('day', 'offsets.day_offset', 'bounds.first_day') }} as date
        ) as date_day
    from offsets
    cross join bounds
    where
        offsets.day_offset
        <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}

),

holidays as (

    select * from {{ ref('business_holidays') }}

),

days as (

    select date_day from spine

),

final as (

    select
        days.date_day,
        extract(year from days.date_day) as year_number,
        extract(quarter from days.date_day) as quarter_number,
        extract(month from days.date_day) as month_number,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('week', 'days.date_day') }} as date) as week_start_date,
        extract(day from days.date_day) as day_of_month,
        {{ iso_day_of_week('days.date_day') }} as iso_day_of_week,
        {{ iso_day_of_week('days.date_day') }} >= 6 as is_weekend,
        holidays.holiday_date is not null as is_holiday,
        holidays.holiday_name,
        {{ iso_day_of_week('days.date_day') }} < 6 and holidays.holiday_date is null
            as is_business_day

    from days
    left join holidays
        on days.date_day = holidays.holiday_date

)

select * from final
