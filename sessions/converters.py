"""The `<token:...>` path converter: every route (HTTP and WebSocket) that takes a random
token from the address uses it, so a token that cannot be one of ours (a NUL byte, other
characters, or too long) is "not found" before anything reaches the database. PostgreSQL
refuses a NUL byte in a text parameter outright, which would otherwise be a 500.

Our tokens are `sessions.tokens.new_token()`: `secrets.token_urlsafe`, whose alphabet is
URL-safe base64 (letters, digits, "-" and "_"), 43 characters long, stored in columns of at
most 64. A shorter one in that alphabet cannot match a stored token either and gets the same
404 from the lookup, so the converter only bounds the length by the column.
"""

from django.urls import register_converter

TOKEN_MAX_LENGTH = 64  # the max_length of every token column


class TokenConverter:
    regex = f"[A-Za-z0-9_-]{{1,{TOKEN_MAX_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")
