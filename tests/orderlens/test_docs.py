"""The README and docs name only commands, options and Dagster asset keys that exist.

Docs drift silently: an option renamed in the code keeps working in the prose. Every
``orderlens`` command line inside code (fenced blocks and inline code) is resolved with
the real click commands, every asset key written as ``schema/name`` with a warehouse
schema is looked up in the real Dagster definitions, and every repository path in
inline code (``src/orderlens/...``, ``tests/...``) must exist, so a renamed module cannot
stay named in the docs.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from orderlens.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
COMMAND_LINE = re.compile(r"(?:\.venv/bin/)?\borderlens ([a-z]+)((?: [^\s#]+)*)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")
SCHEMAS = "raw|staging|intermediate|marts|mining|triage|serving|reference"
ASSET_KEY = re.compile(rf"`((?:{SCHEMAS})/\w+)`")
TREES = "src/orderlens|orchestration|process_mining|dashboard|dbt_project|tests|bench"
REPO_PATH = re.compile(rf"`((?:{TREES})/[\w/.-]*)(?:::\w+)?`")
GENERATED = ("bench/results/",)
"""Folders a command creates (``make bench`` writes its results there), absent from a clone."""


def _code(text: str) -> list[str]:
    """The code of a Markdown text: lines of fenced blocks and inline code spans."""
    code: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            code.append(line)
        else:
            code += re.findall(r"`([^`]+)`", line)
    return code


def _command_lines() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for snippet in _code(path.read_text(encoding="utf-8")):
            found += [(path.name, match.group(0)) for match in COMMAND_LINE.finditer(snippet)]
    return found


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The (sub)command named by the leading words, and the words after it."""
    context = click.Context(main)
    command: click.Command = main
    rest = list(words)
    while rest and isinstance(command, click.Group):
        sub = command.get_command(context, rest[0])
        if sub is None:
            break
        command, rest = sub, rest[1:]
    return command, rest


def test_docs_name_only_existing_commands_and_options():
    lines = _command_lines()
    assert len(lines) > 20, "the docs' command lines were not found"
    unknown = []
    for doc, line in lines:
        command, _ = _resolve(line.split()[1:])
        if command is main:
            unknown.append((doc, line, "no such command"))
            continue
        options = {name for param in command.params for name in param.opts}
        options.add("--help")
        unknown += [(doc, line, option) for option in OPTION.findall(line) if option not in options]
    assert unknown == []


def test_docs_name_only_existing_files_and_folders():
    named = {
        (path.name, found)
        for path in DOCS
        for found in REPO_PATH.findall(path.read_text(encoding="utf-8"))
    }
    assert len(named) > 20, "the docs' repository paths were not found"
    missing = [
        (doc, found)
        for doc, found in named
        if not (REPO_ROOT / found).exists() and not found.startswith(GENERATED)
    ]
    assert sorted(missing) == []


@pytest.mark.slow
def test_docs_name_only_existing_asset_keys(tmp_path):
    from orchestration.definitions import build_definitions
    from orderlens.settings import Settings

    definitions = build_definitions(Settings(data_dir=tmp_path))
    keys = {
        key.to_user_string()
        for assets in definitions.assets or []
        for key in getattr(assets, "keys", ())
    }
    named = {
        (path.name, key)
        for path in DOCS
        for key in ASSET_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert len(named) > 10, "the docs' asset keys were not found"
    assert sorted((doc, key) for doc, key in named if key not in keys) == []
