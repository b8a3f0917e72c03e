"""``orderlens users``: who may log in to the dashboard, with which role, and the key
that signs their sessions."""

from __future__ import annotations

import sys

import click

from orderlens.settings import Settings
from orderlens.users import (
    Role,
    UserStoreError,
    add_user,
    create_secret_key,
    load_users,
    remove_user,
)


@click.group("users")
def command() -> None:
    """Manage dashboard users (the users file is ORDERLENS_USERS_FILE, default
    users.yaml in the data directory)."""


@command.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="executive sees everything; operations sees no cost, ROI or customer detail.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)
def add(name: str, role: str, password_stdin: bool) -> None:
    """Add a user, or change an existing user's role and password."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings.from_env()
    try:
        user = add_user(settings.users_path, name, Role(role), password)
    except UserStoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"user {user.name} ({user.role.value}) saved in {settings.users_path}")


@command.command("list")
def list_users() -> None:
    """List the users and their roles (never their password hashes)."""
    settings = Settings.from_env()
    try:
        users = load_users(settings.users_path)
    except UserStoreError as error:
        raise click.ClickException(str(error)) from error
    if not users:
        click.echo(f"no users in {settings.users_path}")
    for user in sorted(users.values(), key=lambda user: user.name):
        click.echo(f"{user.name}\t{user.role.value}")


@command.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove a user; their open sessions end at their next request."""
    settings = Settings.from_env()
    try:
        removed = remove_user(settings.users_path, name)
    except UserStoreError as error:
        raise click.ClickException(str(error)) from error
    if not removed:
        raise click.ClickException(f"no user named {name!r} in {settings.users_path}")
    click.echo(f"user {name} removed")


@command.command("secret")
def secret() -> None:
    """Create the session-signing key file in the data directory (mode 0600) if it is
    missing. ORDERLENS_SECRET_KEY, when set, takes precedence over the file."""
    settings = Settings.from_env()
    if create_secret_key(settings.secret_key_path):
        click.echo(f"created a new session secret key in {settings.secret_key_path} (mode 0600)")
    else:
        click.echo(f"kept the existing session secret key in {settings.secret_key_path}")
