"""``orderlens users``: who may log in to the dashboard, with which role, the key that
signs their login forms, and ending their sessions.

Every change to a user (role, password, removal) and ``revoke`` end that user's open
dashboard sessions at once, in the sessions file of the data directory."""

from __future__ import annotations

import sys

import click

from orderlens.cli import command_settings
from orderlens.sessions import SessionStore
from orderlens.settings import Settings
from orderlens.users import (
    Role,
    UserStoreError,
    add_user,
    create_secret_key,
    load_users,
    remove_user,
    set_password,
    validate_user_name,
)

PASSWORD_STDIN_HELP = "Read the password from the first line of standard input (for scripts)."


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
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
def add(name: str, role: str, password_stdin: bool) -> None:
    """Add a user, or change an existing user's role and password (ending their
    sessions). The password needs 12 characters and must not be easy to guess."""
    password = _read_password(password_stdin)
    settings = command_settings()
    try:
        user = add_user(settings.users_path, name, Role(role), password)
    except UserStoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"user {user.name} ({user.role.value}) saved in {settings.users_path}")
    _end_sessions(settings, user.name)


@command.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help=PASSWORD_STDIN_HELP)
def passwd(name: str, password_stdin: bool) -> None:
    """Change a user's password, keeping the role; their open sessions end."""
    password = _read_password(password_stdin)
    settings = command_settings()
    try:
        user = set_password(settings.users_path, name, password)
    except UserStoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"password of {user.name} changed")
    _end_sessions(settings, user.name)


@command.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """End every open dashboard session of a user now (for example a lost laptop)."""
    settings = command_settings()
    try:
        name = validate_user_name(name)
    except UserStoreError as error:
        raise click.ClickException(str(error)) from error
    _end_sessions(settings, name)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _end_sessions(settings: Settings, name: str) -> None:
    ended = SessionStore(settings.sessions_path).end_user_sessions(name)
    click.echo(f"ended {ended} open session(s) of {name}")


@command.command("list")
def list_users() -> None:
    """List the users and their roles (never their password hashes)."""
    settings = command_settings()
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
    """Remove a user and end their open sessions."""
    settings = command_settings()
    try:
        removed = remove_user(settings.users_path, name)
    except UserStoreError as error:
        raise click.ClickException(str(error)) from error
    if not removed:
        raise click.ClickException(f"no user named {name!r} in {settings.users_path}")
    click.echo(f"user {name} removed")
    _end_sessions(settings, validate_user_name(name))


@command.command("secret")
def secret() -> None:
    """Create the key file that signs login forms in the data directory (mode 0600) if it
    is missing. ORDERLENS_SECRET_KEY, when set, takes precedence over the file."""
    settings = command_settings()
    if create_secret_key(settings.secret_key_path):
        click.echo(f"created a new session secret key in {settings.secret_key_path} (mode 0600)")
    else:
        click.echo(f"kept the existing session secret key in {settings.secret_key_path}")
