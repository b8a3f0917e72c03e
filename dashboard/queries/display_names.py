"""The display names of the published data's codes (``marts.dim_display_names``)."""

from __future__ import annotations

from dashboard.serving import MissingTableError, query
from orderlens.display_names import DisplayNames, display_names_from_rows


def get_display_names() -> DisplayNames:
    """Names for every code the pages show; codes not listed are worded by
    :func:`orderlens.display_names.humanize_code`.

    A serving copy published before the table existed gives empty names (every code is
    then worded, never shown raw).

    Raises:
        ServingCopyUnavailableError: nothing has been published yet.
    """
    try:
        frame = query(
            "SELECT code_kind, code, display_name, description FROM marts.dim_display_names"
        )
    except MissingTableError:
        return DisplayNames()
    return display_names_from_rows(frame.itertuples(index=False, name=None))
