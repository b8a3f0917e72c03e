"""Process mining: tables computed from the staged event log with pm4py."""
