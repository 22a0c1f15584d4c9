"""Documentation and API tripwires for the HTTP layer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import propledger.http
from propledger.settings import SOURCES, HttpSettings

DOC = Path(__file__).parents[1] / "docs" / "http.md"


def test_every_http_setting_is_documented_with_its_default() -> None:
    text = DOC.read_text(encoding="utf-8")
    for f in dataclasses.fields(HttpSettings):
        row = next((line for line in text.splitlines() if line.startswith(f"| `{f.name}` ")), "")
        assert f"`PROPLEDGER_HTTP_{f.name.upper()}`" in row, f.name
        assert f"| {f.default:g} |" in row, (f.name, f.default)
    for source in SOURCES:
        assert f"`{source.upper()}`" in text


def test_public_api_is_pinned() -> None:
    assert sorted(propledger.http.__all__) == [
        "CallStatus",
        "Expect",
        "Fetched",
        "HealthRegistry",
        "VendorCallResult",
        "VendorClient",
        "VendorHealth",
        "decode_json",
        "make_client",
        "redact",
        "sanitize_url",
    ]
    for name in propledger.http.__all__:
        assert getattr(propledger.http, name) is not None
