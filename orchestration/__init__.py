"""Dagster code location of orderlens: one asset graph from inbox files to the serving copy."""
