"""What each dashboard page asks of the serving copy: one module per page."""
