"""Checks on the marts beyond dbt's own tests: the exception-spike alert."""

import dagster as dg
import pandas as pd

from orchestration.defs.resources import OrderlensResource
from orchestration.defs.warehouse_checks import read_warehouse_frame, warning_alert
from orderlens.exception_class_spikes import detect_exception_spikes

FCT_EXCEPTIONS = dg.AssetKey(["marts", "fct_exceptions"])
RECENT_DAYS = 2
"""Only spikes on the last days alert; older ones were already raised by earlier runs."""
ALERT_SIGMAS = 4.0
ALERT_MIN_COUNT = 10
"""Stricter than the library defaults: every class is tested on every run, so a 3-sigma
threshold raised false alarms on the baseline demo (9 against a usual 3.2)."""


@dg.asset_check(
    asset=FCT_EXCEPTIONS,
    description=(
        "Alerts (fails with a warning) when an exception class opened far more exceptions "
        "on one of the latest days than over the two weeks before."
    ),
)
def exception_class_spike_alert(orderlens: OrderlensResource) -> dg.AssetCheckResult:
    """Fail, as a warning, when a class spikes on one of the most recent days."""
    daily = read_warehouse_frame(
        orderlens,
        "SELECT coalesce(exception_class, exception_type) AS exception_class,"
        " CAST(detected_at AS DATE) AS day, count(*) AS opened"
        " FROM marts.fct_exceptions WHERE detected_at IS NOT NULL GROUP BY ALL",
    )
    spikes = detect_exception_spikes(daily, sigmas=ALERT_SIGMAS, min_count=ALERT_MIN_COUNT)
    if not daily.empty:
        latest = pd.Timestamp(daily["day"].max()).date()
        spikes = [s for s in spikes if (latest - s.day).days < RECENT_DAYS]
    return warning_alert(
        [
            f"{s.exception_class} opened {s.count} on {s.day} (usual {s.baseline_mean:.1f})"
            for s in spikes
        ],
        all_clear="no exception class above its usual level",
        metadata={"spikes": dg.MetadataValue.int(len(spikes))},
    )
