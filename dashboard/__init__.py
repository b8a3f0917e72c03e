"""The executive dashboard (Dash Pages), reading only the published serving copy."""
