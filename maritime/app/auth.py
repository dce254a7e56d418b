"""Optional login for the web app, from a file of ``user:password`` lines (hashed or not).

Each non-empty line not starting with ``#`` is ``user:secret`` where ``secret`` is either

- ``pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>``: a PBKDF2-HMAC-SHA256 hash, written by
  ``python -m maritime.app.auth USER`` (asks for the password, prints the line); the recommended form;
- anything else: the password itself, in clear (accepted for a quick setup; a warning is logged).

A line may end with ``:clearance``, one of the markings (:mod:`maritime.access`, e.g.
``ana:pbkdf2_sha256$...:restricted``): what the user's answers, maps, source pages, index listing and
exports may use. Without it the user has ``MARITIME_CLEARANCE``, else the lowest marking (public). (A
password in clear that itself ends with ``:`` and a marking name must be followed by the clearance.)

The file is named by ``maritime app --auth-file F`` or the ``MARITIME_APP_AUTH_FILE`` variable. Passwords
are compared in constant time. Keep the file readable by the app's user only (a warning is logged when
others can read it).

>>> line = hash_password("s3cret", iterations=1000, salt=b"0123456789abcdef")
>>> line.startswith("pbkdf2_sha256$1000$")
True
>>> check = Credentials({"ana": line, "bob": "plain"})
>>> check("ana", "s3cret"), check("ana", "wrong"), check("bob", "plain"), check("eve", "plain")
(True, False, True, False)
>>> Credentials({"ana": line}, {"ana": "restricted"}).clearance_of("ana")
'restricted'
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import logging
import os
import secrets
import stat
import sys
from pathlib import Path

from maritime.access import markings, resolve_clearance
from maritime.errors import ConfigError

logger = logging.getLogger(__name__)

ENV_AUTH_FILE = "MARITIME_APP_AUTH_FILE"
_SCHEME = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """The ``pbkdf2_sha256$...`` form of ``password`` for an auth file."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return "$".join(
        [_SCHEME, str(iterations), base64.b64encode(salt).decode(), base64.b64encode(digest).decode()]
    )


def _verify(secret: str, password: str) -> bool:
    if secret.startswith(_SCHEME + "$"):
        try:
            _, iterations, salt, expected = secret.split("$")
            digest = hashlib.pbkdf2_hmac(
                "sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations)
            )
            return hmac.compare_digest(digest, base64.b64decode(expected))
        except (ValueError, TypeError):
            return False
    return hmac.compare_digest(secret.encode("utf-8"), password.encode("utf-8"))


class Credentials:
    """A login check for Gradio's ``auth=``: ``credentials(user, password) -> bool``."""

    def __init__(self, users: dict[str, str], clearances: dict[str, str] | None = None) -> None:
        if not users:
            raise ConfigError("the auth file names no user: add lines user:password")
        self._users = dict(users)
        self._clearances = {u: markings().check(c) for u, c in (clearances or {}).items()}

    def __call__(self, user: str, password: str) -> bool:
        secret = self._users.get(user)
        if secret is None:
            # Same work for an unknown user as for a wrong password.
            _verify(hash_password("x", iterations=1000, salt=b"\0" * 16), password)
            return False
        return _verify(secret, password)

    def __repr__(self) -> str:  # never the secrets
        return f"Credentials({len(self._users)} user(s))"

    @property
    def users(self) -> list[str]:
        return sorted(self._users)

    def clearance_of(self, user: str | None, default: str | None = None) -> str:
        """The clearance of a logged-in ``user``: the file's, else ``default``, else the default one."""
        given = self._clearances.get(user or "")
        return given if given is not None else resolve_clearance(default)


def load_auth_file(path: str | Path) -> Credentials:
    """Read an auth file (format in the module docstring).

    Raises
    ------
    ConfigError
        The file is missing or unreadable, or a line is not ``user:secret``.
    """
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the auth file {path}: {exc.strerror or exc}") from exc
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            logger.warning("%s can be read by other users: chmod 600 it", path)
    except OSError:
        pass
    users: dict[str, str] = {}
    clearances: dict[str, str] = {}
    levels = markings().levels
    plain = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, secret = line.partition(":")
        if not sep or not user.strip() or not secret:
            raise ConfigError(f"{path}, line {number}: expected user:password or user:{_SCHEME}$...")
        head, colon, tail = secret.rpartition(":")
        if colon and head and (tail.strip().lower() in levels or head.startswith(_SCHEME + "$")):
            if tail.strip().lower() not in levels:  # a hash holds no ':': this must be a clearance
                raise ConfigError(
                    f"{path}, line {number}: unknown clearance {tail.strip()!r}; the markings are "
                    f"{', '.join(levels)}"
                )
            secret = head
            clearances[user.strip()] = tail.strip().lower()
        users[user.strip()] = secret
        plain += not secret.startswith(_SCHEME + "$")
    if plain:
        logger.warning(
            "%s holds %d password(s) in clear; write hashed lines with python -m maritime.app.auth USER",
            path,
            plain,
        )
    return Credentials(users, clearances)


def auth_from_env() -> Credentials | None:
    """Credentials from ``$MARITIME_APP_AUTH_FILE``, or None when it is not set."""
    name = os.environ.get(ENV_AUTH_FILE, "").strip()
    return load_auth_file(name) if name else None


def main(argv: list[str] | None = None) -> int:
    """``python -m maritime.app.auth USER``: ask for a password, print the auth-file line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print("usage: python -m maritime.app.auth USER   (prints a line for the auth file)")
        return 2
    password = getpass.getpass(f"password for {args[0]}: ")
    if password != getpass.getpass("again: "):
        print("the passwords differ", file=sys.stderr)
        return 1
    print(f"{args[0]}:{hash_password(password)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
