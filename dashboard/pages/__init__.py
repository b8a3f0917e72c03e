"""One module per dashboard page, each calling ``dash.register_page``."""
