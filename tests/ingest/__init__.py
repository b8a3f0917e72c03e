"""Tests of orderlens.ingest: readers, validation, quarantine, manifest, exactly-once."""
