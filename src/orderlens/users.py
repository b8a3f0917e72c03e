"""Dashboard users, their roles, salted password hashes and the session-signing key.

The dashboard shows cost and order information that not everyone may see, so it asks
for a login. Users live in one YAML file (``Settings.users_path``) holding, per user, a
role and a password hash: scrypt with a random per-user salt, compared in constant time.
No password is ever stored, and none is accepted that is shorter than
``MIN_PASSWORD_LENGTH`` or that zxcvbn's estimate finds easy to guess (common, repeated,
keyboard patterns, the user's own name): ``check_password_strength`` says why. The key
that signs the login form's cookie comes from ``ORDERLENS_SECRET_KEY`` or a file in the
data directory that only ``create_secret_key`` writes (mode 0600); there is no default key.

Example:
    >>> users = add_user(path, "dana", Role.EXECUTIVE, "a long passphrase")  # doctest: +SKIP
    >>> authenticate(load_users(path), "dana", "a long passphrase").role  # doctest: +SKIP
    <Role.EXECUTIVE: 'executive'>
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from zxcvbn import zxcvbn

from orderlens.settings import Settings

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3
"""zxcvbn's score (0-4) a password needs. 3 means an estimated 10^8 guesses or more: far
beyond what the login's guessing limits allow online, and slow against the scrypt hashes
should the users file leak."""
PASSWORD_ESTIMATE_LENGTH = 72
"""zxcvbn estimates at most this many characters (its own cap, against slow inputs)."""
SECRET_KEY_BYTES = 32
HASH_SCHEME = "scrypt"
_USER_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


class Role(StrEnum):
    """What a user may see on the dashboard.

    ``executive`` sees everything; ``operations`` sees no cost or ROI figures and no
    customer-level detail.
    """

    EXECUTIVE = "executive"
    OPERATIONS = "operations"

    @property
    def sees_costs(self) -> bool:
        """Whether cost and ROI figures may be shown to this role."""
        return self is Role.EXECUTIVE


@dataclass(frozen=True)
class User:
    """One dashboard user: name, role and the encoded scrypt hash of the password."""

    name: str
    role: Role
    password_hash: str


class UserStoreError(ValueError):
    """The users file or a requested change to it is invalid."""


class WeakPasswordError(UserStoreError):
    """A password too short or too easy to guess; the message says why."""


class MissingSecretKeyError(RuntimeError):
    """No session-signing key: neither ``ORDERLENS_SECRET_KEY`` nor the key file."""


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES, maxmem=64 * 2**20
    )


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Encode ``password`` as ``scrypt$n$r$p$<salt hex>$<hash hex>`` with a fresh salt.

    Args:
        password: The clear-text password.
        salt: A fixed salt (tests); a random 16-byte salt when omitted.
    """
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{HASH_SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches an encoded hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = encoded.split("$")
        if scheme != HASH_SCHEME:
            return False
        expected = bytes.fromhex(digest_hex)
        actual = _scrypt(password, bytes.fromhex(salt_hex), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


_UNKNOWN_USER_HASH = "$".join(
    [HASH_SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), "00" * SALT_BYTES, "00" * HASH_BYTES]
)
"""Checked against for unknown names so a wrong name costs as long as a wrong password."""


def check_password_strength(password: str, *, user_name: str = "") -> None:
    """Refuse a password that is short or easy to guess, saying why.

    Args:
        password: The proposed password.
        user_name: The account's name: a password built from it is easy to guess.

    Raises:
        WeakPasswordError: Shorter than ``MIN_PASSWORD_LENGTH``, or scored below
            ``MIN_PASSWORD_SCORE`` by zxcvbn (its warning and suggestions are the reason).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters "
            f"(it has {len(password)})"
        )
    estimate = zxcvbn(
        password[:PASSWORD_ESTIMATE_LENGTH],
        user_inputs=[part for part in (user_name, "orderlens") if part],
    )
    if estimate["score"] < MIN_PASSWORD_SCORE:
        feedback = estimate["feedback"]
        reason = feedback["warning"] or "It follows a pattern that is easy to guess."
        advice = " ".join(feedback["suggestions"])
        raise WeakPasswordError(f"the password is too easy to guess: {reason} {advice}".strip())


def validate_user_name(name: str) -> str:
    """The name, lower-cased, if it is 1-64 of ``a-z 0-9 . _ -``; otherwise an error."""
    normalized = name.strip().lower()
    if not normalized or len(normalized) > 64 or not set(normalized) <= _USER_NAME_CHARACTERS:
        raise UserStoreError(
            f"user name {name!r} must be 1-64 characters of letters, digits, '.', '_' or '-'"
        )
    return normalized


def load_users(path: Path) -> dict[str, User]:
    """Read the users file; an absent file means no users (nobody can log in)."""
    if not path.exists():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = document.get("users") or {}
        return {
            name: User(name=name, role=Role(entry["role"]), password_hash=entry["password_hash"])
            for name, entry in entries.items()
        }
    except (yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError) as error:
        raise UserStoreError(f"{path} is not a valid users file: {error}") from error


def save_users(path: Path, users: dict[str, User]) -> None:
    """Write the users file atomically, readable by its owner only (mode 0600)."""
    document = {
        "users": {
            user.name: {"role": user.role.value, "password_hash": user.password_hash}
            for user in sorted(users.values(), key=lambda user: user.name)
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        yaml.safe_dump(document, handle, sort_keys=False)
    os.replace(partial, path)


def add_user(path: Path, name: str, role: Role | str, password: str) -> User:
    """Add a user, or replace the role and password of an existing one.

    Raises:
        UserStoreError: On an invalid name or an unknown role.
        WeakPasswordError: When the password fails ``check_password_strength``.
    """
    name = validate_user_name(name)
    try:
        role = Role(role)
    except ValueError as error:
        known = ", ".join(member.value for member in Role)
        raise UserStoreError(f"unknown role {role!r}; roles are {known}") from error
    check_password_strength(password, user_name=name)
    users = load_users(path)
    user = User(name=name, role=role, password_hash=hash_password(password))
    users[name] = user
    save_users(path, users)
    return user


def set_password(path: Path, name: str, password: str) -> User:
    """Change an existing user's password, keeping the role.

    Raises:
        UserStoreError: When there is no such user.
        WeakPasswordError: When the password fails ``check_password_strength``.
    """
    name = validate_user_name(name)
    user = load_users(path).get(name)
    if user is None:
        raise UserStoreError(f"no user named {name!r} in {path}")
    return add_user(path, name, user.role, password)


def remove_user(path: Path, name: str) -> bool:
    """Remove a user; ``False`` when there was no such user."""
    name = validate_user_name(name)
    users = load_users(path)
    if users.pop(name, None) is None:
        return False
    save_users(path, users)
    return True


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    """The user whose name and password match, else ``None``.

    An unknown name is checked against a dummy hash so that its answer takes as long as
    a wrong password's, telling an attacker nothing about which names exist.
    """
    user = users.get(name.strip().lower())
    matches = verify_password(password, user.password_hash if user else _UNKNOWN_USER_HASH)
    return user if user is not None and matches else None


def password_fingerprint(user: User) -> str:
    """A short digest of the user's password hash, kept in the session so that changing
    the password ends every session opened with the old one."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def create_secret_key(path: Path) -> bool:
    """Write a fresh random session-signing key to ``path`` (mode 0600) unless one exists.

    Returns:
        ``True`` when a key was written, ``False`` when the file was already there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(SECRET_KEY_BYTES) + "\n")
    return True


def resolve_secret_key(settings: Settings) -> str:
    """The session-signing key: ``settings.secret_key``, else the key file's content.

    Raises:
        MissingSecretKeyError: When neither is set; the message says how to create one.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.secret_key_path
    key = path.read_text(encoding="utf-8").strip() if path.exists() else ""
    if not key:
        raise MissingSecretKeyError(
            f"no session secret key: set ORDERLENS_SECRET_KEY or run "
            f"`orderlens users secret` to create {path}"
        )
    return key
