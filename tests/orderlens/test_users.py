"""Users file: scrypt hashes with per-user salts, roles, authentication and the secret key."""

from __future__ import annotations

import hashlib
import stat

import pytest

from orderlens.settings import Settings
from orderlens.users import (
    MissingSecretKeyError,
    Role,
    UserStoreError,
    WeakPasswordError,
    add_user,
    authenticate,
    create_secret_key,
    hash_password,
    load_users,
    remove_user,
    resolve_secret_key,
    set_password,
    verify_password,
)


def test_users_hash_is_scrypt_of_the_password_with_its_salt():
    salt = bytes(range(16))
    encoded = hash_password("correct horse battery", salt=salt)
    expected = hashlib.scrypt(b"correct horse battery", salt=salt, n=2**14, r=8, p=1, dklen=32)
    assert encoded == f"scrypt$16384$8$1${salt.hex()}${expected.hex()}"
    assert verify_password("correct horse battery", encoded)
    assert not verify_password("correct horse batterY", encoded)
    assert not verify_password("anything", "not-a-hash")


def test_users_same_password_gets_different_salts_and_no_clear_text_is_stored(tmp_path):
    path = tmp_path / "users.yaml"
    add_user(path, "Dana", Role.EXECUTIVE, "same-password-1")
    add_user(path, "omar", "operations", "same-password-1")
    users = load_users(path)
    assert {name: user.role for name, user in users.items()} == {
        "dana": Role.EXECUTIVE,
        "omar": Role.OPERATIONS,
    }
    assert users["dana"].password_hash != users["omar"].password_hash
    assert "same-password-1" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_users_authenticate_accepts_only_the_right_name_and_password(tmp_path):
    path = tmp_path / "users.yaml"
    add_user(path, "dana", Role.EXECUTIVE, "first-password")
    users = load_users(path)
    assert authenticate(users, "DANA", "first-password").name == "dana"
    assert authenticate(users, "dana", "wrong-password") is None
    assert authenticate(users, "nobody", "first-password") is None
    add_user(path, "dana", Role.OPERATIONS, "second-password")
    changed = load_users(path)
    assert authenticate(changed, "dana", "first-password") is None
    assert authenticate(changed, "dana", "second-password").role is Role.OPERATIONS


def test_users_add_rejects_bad_names_roles_and_short_passwords(tmp_path):
    path = tmp_path / "users.yaml"
    with pytest.raises(UserStoreError, match="user name"):
        add_user(path, "<script>", Role.EXECUTIVE, "long-enough-password")
    with pytest.raises(UserStoreError, match="unknown role 'admin'"):
        add_user(path, "dana", "admin", "long-enough-password")
    with pytest.raises(UserStoreError, match="at least 12 characters"):
        add_user(path, "dana", Role.EXECUTIVE, "short")
    assert not path.exists()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "at least 12 characters"),
        ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess'),
        ("abcabcabcabc", "Repeats like"),
        ("password1234", "very common password"),
        ("qwertyuiop12", "similar to a commonly used password"),
        ("dana-dana-dana", "too easy to guess"),
    ],
)
def test_users_password_policy_rejects_short_common_and_repetitive_passwords_with_the_reason(
    tmp_path, password, reason
):
    path = tmp_path / "users.yaml"
    with pytest.raises(WeakPasswordError, match=reason):
        add_user(path, "dana", Role.EXECUTIVE, password)
    assert not path.exists()


def test_users_password_policy_accepts_a_passphrase_and_guards_every_password_change(tmp_path):
    path = tmp_path / "users.yaml"
    add_user(path, "dana", Role.EXECUTIVE, "lantern orbit saffron")
    with pytest.raises(WeakPasswordError, match="very common password"):
        set_password(path, "dana", "password1234")
    assert verify_password("lantern orbit saffron", load_users(path)["dana"].password_hash)
    set_password(path, "dana", "quiet harbour 1987 kites")
    dana = load_users(path)["dana"]
    assert dana.role is Role.EXECUTIVE
    assert verify_password("quiet harbour 1987 kites", dana.password_hash)
    with pytest.raises(UserStoreError, match="no user named 'omar'"):
        set_password(path, "omar", "quiet harbour 1987 kites")


def test_users_remove_deletes_only_the_named_user(tmp_path):
    path = tmp_path / "users.yaml"
    add_user(path, "dana", Role.EXECUTIVE, "first-password")
    add_user(path, "omar", Role.OPERATIONS, "other-password")
    assert remove_user(path, "omar")
    assert not remove_user(path, "omar")
    assert list(load_users(path)) == ["dana"]


def test_users_secret_key_has_no_default_and_is_written_owner_only(tmp_path):
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(MissingSecretKeyError, match="orderlens users secret"):
        resolve_secret_key(settings)
    assert create_secret_key(settings.secret_key_path)
    key = settings.secret_key_path.read_text().strip()
    assert len(key) >= 40
    assert stat.S_IMODE(settings.secret_key_path.stat().st_mode) == 0o600
    assert not create_secret_key(settings.secret_key_path)
    assert resolve_secret_key(settings) == key
    assert resolve_secret_key(Settings(data_dir=tmp_path, secret_key="from-env")) == "from-env"
