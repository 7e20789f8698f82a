"""Random tokens and short join codes."""

import secrets

# Short codes avoid characters people confuse when reading them off a screen:
# no 0/O, 1/I/L, 5/S, 2/Z, 8/B.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
JOIN_CODE_LENGTH = 6


def new_token() -> str:
    """A long random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(typed: str) -> str:
    """What a person typed, as a stored code: case-insensitive, spaces and dashes ignored."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")
