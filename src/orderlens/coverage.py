"""What the ingested data can answer, read from the ``marts.mart_analysis_coverage`` mart.

Real exports usually carry only case, activity and time on day one: no exceptions, no
middleware messages, no channels. The mart (defined once, in dbt) says for each analysis
whether its inputs are present and, if not, which data would enable it. The pipeline's
assets skip what is unavailable with that reason, and the dashboard shows it, so neither
fails nor draws an empty chart on the data users bring.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

COVERAGE_TABLE = "marts.mart_analysis_coverage"


@dataclass(frozen=True)
class AnalysisCoverage:
    """Whether one analysis has its inputs, and what would enable it when it has not.

    Attributes:
        analysis: Key of the analysis (``exceptions``, ``integration``, ``triage`` ...).
        name: The analysis in people's words.
        is_available: The data holds at least one row of its inputs.
        evidence_rows: Rows counted as its inputs.
        missing_reason: Why it is unavailable, in words; ``None`` when available.
        how_to_enable: The columns or file that would enable it.
    """

    analysis: str
    name: str
    is_available: bool
    evidence_rows: int
    missing_reason: str | None
    how_to_enable: str

    @property
    def skip_message(self) -> str:
        """One sentence for a log line or an empty state: why, and what would fill it."""
        return (
            f"{self.name}: skipped, {self.missing_reason}. To enable it, load {self.how_to_enable}."
        )


def read_coverage(con: duckdb.DuckDBPyConnection) -> dict[str, AnalysisCoverage]:
    """Every analysis's coverage, keyed by ``analysis``, from a warehouse or serving copy."""
    rows = con.execute(
        "SELECT analysis, analysis_name, is_available, evidence_rows, missing_reason,"
        f" how_to_enable FROM {COVERAGE_TABLE} ORDER BY analysis"
    ).fetchall()
    return {
        row[0]: AnalysisCoverage(row[0], row[1], bool(row[2]), int(row[3]), row[4], row[5])
        for row in rows
    }
