{#
    Where the sources are on an engine that reads a lake instead of holding the raw
    tables itself. On DuckDB the sources are the warehouse's own tables and views, so
    there is nothing to do. On Spark each source is an external Parquet table over its
    lake folder, <lake_location>/<source schema>/<table>, every Parquet file below it
    (one folder per load), created again on every run so that files, loads and columns
    added since the last run show. Dropping an external table keeps its files.
    Called by the project's on-run-start hook; names come from the sources of the graph,
    the lake from the var lake_location (orderlens passes it, Settings.lake_location).
#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'orderlens')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute -%}
        {%- set lake_location = var('lake_location') | trim -%}
        {%- if not lake_location -%}
            {{ exceptions.raise_compiler_error(
                "var lake_location is empty: the spark target needs the lake of the sources"
            ) }}
        {%- endif -%}
        {%- set sources = graph.sources.values() | sort(attribute='unique_id') -%}
        {%- for schema in sources | map(attribute='schema') | unique -%}
            {% do run_query('create database if not exists ' ~ schema) %}
        {%- endfor -%}
        {%- for source in sources -%}
            {%- set table = source.schema ~ '.' ~ source.identifier -%}
            {%- set location = [lake_location.rstrip('/'), source.schema, source.identifier]
                | join('/') -%}
            {% do run_query('drop table if exists ' ~ table) %}
            {% do run_query(
                'create table ' ~ table ~ ' using parquet'
                ~ " options (recursiveFileLookup 'true', mergeSchema 'true')"
                ~ " location '" ~ location ~ "'"
            ) %}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
