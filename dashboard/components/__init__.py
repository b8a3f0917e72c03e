"""Layout building blocks shared by the pages."""
