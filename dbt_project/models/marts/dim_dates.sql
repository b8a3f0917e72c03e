{#
    The business calendar: one row per day from the first to the last event day in the
    warehouse (today when it is empty), with weekends and the holidays of the
    business_holidays seed marked as non-working days.
#}
{% set first_day_sql %}
    coalesce(
        (select cast(min(event_at) as date) from {{ ref('stg_raw__workflow_events') }}),
        current_date
    )
{% endset %}
{% set last_day_sql %}
    coalesce(
        (select cast(max(as_of_at) as date) from {{ ref('int_warehouse_as_of') }}),
        current_date
    )
{% endset %}
{% set day_after_last_sql %}
    {{ dbt.dateadd('day', 1, last_day_sql) }}
{% endset %}

with

spine as (

    {{ dbt.date_spine('day', first_day_sql, day_after_last_sql) }}

),

holidays as (

    select * from {{ ref('business_holidays') }}

),

days as (

    select cast(date_day as date) as date_day from spine

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
