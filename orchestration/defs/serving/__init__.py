"""Publishing: the read-only serving copy the dashboard and analysts read."""
