"""Ingestion: inbox files into the raw tables, with the reference data beside them."""
