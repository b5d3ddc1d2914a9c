"""What a password must be, and the passwords relay makes itself: one rule for the command line
and the accounts page, so an account made either way is as hard to guess."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

MIN_PASSWORD_CHARS = 8
# scrypt hashes any length, but a megabyte "password" in a form is only a way to burn CPU.
MAX_PASSWORD_CHARS = 200
# No 0/o, 1/l/i: a generated password is read off a screen and typed on another machine.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS = 4
_GROUP_CHARS = 5


@dataclass(frozen=True)
class PasswordProblem:
    """Why a password was refused, for the command line (English) and the pages (Korean)."""

    english: str
    korean: str


def password_problem(password: str, username: str = "") -> PasswordProblem | None:
    """None if `password` may be used for `username`, else why not."""
    if len(password) < MIN_PASSWORD_CHARS or not password.strip():
        return PasswordProblem(
            f"the password must have at least {MIN_PASSWORD_CHARS} characters",
            f"비밀번호는 {MIN_PASSWORD_CHARS}자 이상이어야 합니다.",
        )
    if len(password) > MAX_PASSWORD_CHARS:
        return PasswordProblem(
            f"the password must have at most {MAX_PASSWORD_CHARS} characters",
            f"비밀번호는 {MAX_PASSWORD_CHARS}자 이하여야 합니다.",
        )
    if username and password.strip().casefold() == username.strip().casefold():
        return PasswordProblem(
            "the password must not be the username", "비밀번호가 아이디와 같으면 안 됩니다."
        )
    return None


def generated_password() -> str:
    """A random password of four groups of five (about 99 bits), e.g. `k7mqx-2rtpa-...`."""
    return "-".join(
        "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_CHARS)) for _ in range(_GROUPS)
    )
