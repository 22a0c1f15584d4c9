"""The responses a vendor gave before its fetch failed, so that ingestion still archives them.

Some ``fetch_*`` functions make several requests: PlayNow's event list, then ``events-by-ids``;
Kambi's list view, then one request per event. When a later request fails, the function raises
and its :class:`~propledger.odds.quote.FetchBundle` never comes back. The earlier responses were
still real answers of the vendor, and the archive is our record of what the vendor returned.
:func:`fetch_keeping` runs a fetcher with a client that keeps every response ``get`` returned.
On a :class:`~propledger.errors.SourceError` it returns those responses as the bundle, each with
the surface its URL names (:func:`kept_surface`), together with the error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, cast

from propledger.errors import SourceError
from propledger.http import Fetched, VendorClient
from propledger.odds.parse import PROVENANCE_SURFACES
from propledger.odds.quote import FetchBundle, FetchedPayload, Platform, Surface, Vendor
from propledger.settings import Settings

Fetcher = Callable[[VendorClient, Settings], FetchBundle]

#: the surface of a kept response by platform: (URL path part, surface) pairs; the first match
#: wins and the last is the fallback (an event list: archived, never parsed). A test pins the
#: pairs against the URLs the fetchers request.
_SURFACES: Mapping[Platform, tuple[tuple[str, Surface], ...]] = MappingProxyType(
    {
        Platform.OPENBET: (
            ("/events-by-ids", Surface.OPENBET_EVENTS),
            ("", Surface.OPENBET_EVENT_LIST),
        ),
        Platform.KAMBI: (("/betoffer/", Surface.KAMBI_BETOFFERS), ("", Surface.KAMBI_LIST_VIEW)),
        Platform.CDN_V2: (("", Surface.UNABATED_CDN_V2),),
        Platform.PROPS_HTML: (("", Surface.ODDSSHARK_PROPS),),
    }
)
_PLATFORMS = {"unabated": Platform.CDN_V2, "oddsshark": Platform.PROPS_HTML}


class KeptResponses:
    """A vendor's client that keeps every response its ``get`` returned, in request order.
    Everything but ``get`` is the client's own (``record_error``, ``clock``, …)."""

    def __init__(self, client: VendorClient) -> None:
        self._client = client
        self.received: list[Fetched] = []

    def get(self, url: str, **kwargs: Any) -> Fetched:
        fetched = self._client.get(url, **kwargs)
        self.received.append(fetched)
        return fetched

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def platform_of(vendor: str, settings: Settings) -> Platform:
    """The platform a vendor's fetch reads (PlayNow's from ``settings.playnow_platform``)."""
    if vendor == "playnow":
        return Platform(settings.playnow_platform)
    return _PLATFORMS[vendor]


def kept_surface(platform: Platform, url: str) -> Surface:
    """The surface of a response of ``platform`` fetched from ``url``. Only the path is read,
    so a sanitised URL will do."""
    path = url.split("?", 1)[0]
    return next(surface for part, surface in _SURFACES[platform] if part in path)


def kept_payloads(
    vendor: str, settings: Settings, received: Sequence[Fetched]
) -> tuple[FetchedPayload, ...]:
    """Kept responses as payloads to archive; those of a quote surface are parsed too."""
    platform = platform_of(vendor, settings)
    payloads = []
    for fetched in received:
        surface = kept_surface(platform, fetched.url)
        parse = surface not in PROVENANCE_SURFACES
        payloads.append(FetchedPayload(fetched, Vendor(vendor.upper()), platform, surface, parse))
    return tuple(payloads)


def fetch_keeping(
    fetch: Fetcher, client: VendorClient, settings: Settings
) -> tuple[FetchBundle, SourceError | None]:
    """``(fetch(client, settings), None)``. When the fetch raises a SourceError: the bundle of
    the responses received before it, and the error."""
    kept = KeptResponses(client)
    try:
        # fetchers call get and record_error and read clock: the proxy stands in for the client
        return fetch(cast(VendorClient, kept), settings), None
    except SourceError as exc:
        return FetchBundle(kept_payloads(client.vendor, settings, kept.received)), exc


__all__ = [
    "Fetcher",
    "KeptResponses",
    "fetch_keeping",
    "kept_payloads",
    "kept_surface",
    "platform_of",
]
