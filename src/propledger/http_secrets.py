"""Secrets policy of the HTTP layer: sanitised URLs, redaction, and where credentials go.

Credentials come only from :class:`~propledger.settings.Secrets` and are attached by the client
(:func:`credential_headers`), so source modules never touch them. Nothing that leaves the client
(log lines, exceptions, :class:`~propledger.http.Fetched`, results) carries a secret: URLs go
through :func:`sanitize_url`, free text through :func:`redact`.
"""

from __future__ import annotations

import urllib.parse

from propledger.settings import Secrets

#: query parameters whose values are credentials; removed from every URL we log or store
SECRET_PARAMS = frozenset(
    {
        "key",
        "apikey",
        "api_key",
        "x-api-key",
        "token",
        "access_token",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "auth",
        "password",
        "cookie",
    }
)
#: hosts of Unabated's keyed surfaces; its public CDN never receives the API key
UNABATED_KEY_HOSTS = frozenset({"data.unabated.com", "partner-api.unabated.com"})


def sanitize_url(url: str, secrets: tuple[str, ...] = ()) -> str:
    """Drop credentials: userinfo, secret-named query parameters, and any secret value."""
    parts = urllib.parse.urlsplit(str(url))
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in SECRET_PARAMS
    ]
    clean = urllib.parse.urlunsplit(
        (parts.scheme, netloc, parts.path, urllib.parse.urlencode(query), "")
    )
    return redact(clean, secrets)


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every occurrence of each non-empty secret with ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def url_secrets(url: str) -> tuple[str, ...]:
    """Values of secret-named parameters and userinfo in ``url`` (redacted from messages)."""
    parts = urllib.parse.urlsplit(url)
    found = [v for k, v in urllib.parse.parse_qsl(parts.query) if k.lower() in SECRET_PARAMS]
    found += [s for s in (parts.username, parts.password) if s]
    # longest first, so a secret that contains another is replaced whole
    return tuple(sorted({s for s in found if len(s) >= 4}, key=len, reverse=True))


def credential_headers(
    vendor: str, secrets: Secrets, host: str, credentials: bool | None = None
) -> dict[str, str]:
    """The secret headers a request to ``host`` for ``vendor`` carries.

    PlayNow gets its ``Cookie`` (``PLAYNOW_COOKIE``) when set; Unabated gets ``X-Api-Key``
    (``UNABATED_API_KEY``) only on its data/partner API hosts, never on the public CDN, unless
    the caller forces ``credentials=True``. ``credentials=False`` sends nothing.
    """
    if credentials is False:
        return {}
    if vendor == "playnow" and secrets.playnow_cookie:
        return {"Cookie": secrets.playnow_cookie}
    if (
        vendor == "unabated"
        and secrets.unabated_api_key
        and (credentials or host in UNABATED_KEY_HOSTS)
    ):
        return {"X-Api-Key": secrets.unabated_api_key}
    return {}


__all__ = [
    "SECRET_PARAMS",
    "UNABATED_KEY_HOSTS",
    "credential_headers",
    "redact",
    "sanitize_url",
    "url_secrets",
]
