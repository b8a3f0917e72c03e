"""Process mining over the marts: variants, process maps, conformance and reports.

Heavy aggregates (directly-follows edges, variants, waiting times) live in the dbt marts;
this package adds what needs pm4py and a typed, verb-first API over the results.
"""
