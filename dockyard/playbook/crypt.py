"""SHA-256 and SHA-512 crypt (``$5$`` / ``$6$``), as glibc's crypt(3) computes them.

Pure Python (the ``crypt`` module is deprecated and passlib is not a dependency), after
Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" specification::

    sha_crypt("secret", "saltsalt")              # '$6$saltsalt$...' == openssl passwd -6 -salt saltsalt secret
    sha_crypt("secret", "saltsalt", rounds=10000) # '$6$rounds=10000$saltsalt$...'

The default is 5000 rounds, written implicitly (as ``openssl passwd`` and glibc do).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

__all__ = ["SALT_CHARS", "sha_crypt"]

SALT_CHARS = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_IMPLICIT_ROUNDS = 5000

# The order in which the final digest's bytes are encoded, three at a time.
_ORDER_512 = ((0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26),
              (6, 27, 48), (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32),
              (12, 33, 54), (34, 55, 13), (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38),
              (18, 39, 60), (40, 61, 19), (62, 20, 41))
_ORDER_256 = ((0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14), (15, 25, 5),
              (6, 16, 26), (27, 7, 17), (18, 28, 8), (9, 19, 29))


def _encode(value: int, count: int) -> str:
    chars = []
    for _ in range(count):
        chars.append(SALT_CHARS[value & 0x3F])
        value >>= 6
    return "".join(chars)


def _b64(digest: bytes, sha512: bool) -> str:
    order = _ORDER_512 if sha512 else _ORDER_256
    text = "".join(_encode((digest[a] << 16) | (digest[b] << 8) | digest[c], 4) for a, b, c in order)
    if sha512:
        return text + _encode(digest[63], 2)
    return text + _encode((digest[31] << 8) | digest[30], 3)


def _repeat(block: bytes, length: int) -> bytes:
    """``block`` repeated and cut to ``length`` bytes."""
    return (block * (length // len(block) + 1))[:length]


def _digest(new: Callable[..., Any], password: bytes, salt: bytes, rounds: int) -> bytes:
    size = new().digest_size
    alternate = new(password + salt + password).digest()
    first = new(password + salt + _repeat(alternate, len(password)))
    length = len(password)
    while length:
        first.update(alternate if length & 1 else password)
        length >>= 1
    current = first.digest()
    p_bytes = _repeat(new(password * len(password)).digest(), len(password))
    s_bytes = _repeat(new(salt * (16 + current[0])).digest(), len(salt))
    for round_number in range(rounds):
        step = new(p_bytes if round_number & 1 else current)
        if round_number % 3:
            step.update(s_bytes)
        if round_number % 7:
            step.update(p_bytes)
        step.update(current if round_number & 1 else p_bytes)
        current = step.digest()
    assert len(current) == size
    result: bytes = current
    return result


def sha_crypt(password: str, salt: str | None = None, *, rounds: int | None = None,
              sha512: bool = True, salt_size: int = 16) -> str:
    """The crypt(3) string of ``password``: ``$6$[rounds=N$]salt$hash`` (``$5$`` for SHA-256).

    ``salt`` (at most 16 characters of ``./0-9A-Za-z``) is random when not given.
    Raises ValueError for a bad salt or rounds outside 1000..999999999.
    """
    if salt is None:
        salt = "".join(secrets.choice(SALT_CHARS) for _ in range(max(1, min(salt_size, 16))))
    if len(salt) > 16 or not salt or any(char not in SALT_CHARS for char in salt):
        raise ValueError("the salt must be 1 to 16 characters of ./0-9A-Za-z")
    count = _IMPLICIT_ROUNDS if rounds is None else int(rounds)
    if not 1000 <= count <= 999_999_999:
        raise ValueError("rounds must be between 1000 and 999999999")
    new = hashlib.sha512 if sha512 else hashlib.sha256
    digest = _digest(new, password.encode("utf-8"), salt.encode("ascii"), count)
    prefix = "$6$" if sha512 else "$5$"
    if count != _IMPLICIT_ROUNDS:
        prefix += f"rounds={count}$"
    return f"{prefix}{salt}${_b64(digest, sha512)}"
