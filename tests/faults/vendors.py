"""The three odds vendors on the loopback fault server: correct payloads, per-vendor faults.

:func:`serve_vendors` mounts every vendor's routes on one :class:`FaultServer` with the
committed examples (``tests/fixtures``, the same bodies ``odds.odds_world`` replays), then
replaces the routes of one vendor with a fault script. The returned environment points all
three ``PROPLEDGER_<VENDOR>_BASE_URL`` at the server (the faulty one at a closed port for
``refused``), so ``propledger odds ingest`` and the daily driver talk to real sockets only.

Routes (base URL → what the source appends):

| vendor | base URL | requests |
|---|---|---|
| playnow (OpenBet) | ``/playnow`` | ``/event-list``, then ``/events-by-ids`` |
| unabated (CDN v2) | ``/unabated`` | ``/league/6/propodds.json?t=…`` |
| oddsshark | ``/oddsshark`` | ``/nhl/odds/player-props`` (HTML) |

A fault on PlayNow hits both of its routes (a vendor-wide outage: the event list fails first)
unless ``target="events"``: then only the props payload (``events-by-ids``) is faulty, which
is where payload faults matter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from faults.server import (
    HTML,
    HTML_ERROR_PAGE,
    JSON,
    FaultServer,
    Reply,
    fault,
    ok,
    refused_url,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VENDORS: tuple[str, ...] = ("playnow", "unabated", "oddsshark")

#: the OpenBet event list that leads to the committed events-by-ids example (two NHL games with
#: props; a third event with 3 markets is dropped); same content as ``odds.odds_world``
EVENT_LIST: Mapping[str, object] = {
    "data": {
        "events": [
            {
                "id": "12004411",
                "name": "Toronto Maple Leafs @ Montreal Canadiens",
                "marketCount": 14,
            },
            {"id": "12004415", "name": "Calgary Flames @ Vancouver Canucks", "marketCount": 9},
            {"id": "12004499", "name": "Boston Bruins @ New York Rangers", "marketCount": 3},
        ]
    }
}

#: quotes the committed examples hold (``odds parse`` on each file; tests/odds/test_ingest.py)
CLEAN_ROWS: Mapping[str, int] = {"playnow": 12, "unabated": 10, "oddsshark": 17}


@dataclass(frozen=True)
class Route:
    """One path of a vendor: its prefix on the server and the correct body."""

    prefix: str
    body: bytes
    content_type: str


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def vendor_routes(vendor: str) -> tuple[Route, ...]:
    """The vendor's routes in request order, each with its correct payload."""
    if vendor == "playnow":
        return (
            Route("/playnow/event-list", json.dumps(EVENT_LIST).encode(), JSON),
            Route("/playnow/events-by-ids", _read("playnow_openbet_events.json"), JSON),
        )
    if vendor == "unabated":
        return (Route("/unabated", _read("unabated_propodds.json"), JSON),)
    if vendor == "oddsshark":
        return (Route("/oddsshark", _read("oddsshark_player_props.html"), HTML),)
    raise KeyError(f"unknown vendor {vendor!r}; use one of {', '.join(VENDORS)}")


def base_prefix(vendor: str) -> str:
    return f"/{vendor}"


# ---- vendor-specific bodies for the payload faults -------------------------------------------


#: where the broken OddsShark page ends: inside Liam Okafor's BET99 cell, mid-tag
HTML_CUT = '<span class="odds-info">O 0.5</span><span class="odds-detail">-105'


def malformed(route: Route) -> Reply:
    """Malformed JSON: the body cut mid-value (with an honest Content-Length, so only the parser
    can tell). HTML: the page broken mid-tag inside the second row of the first tab, so the
    lenient parser keeps the first row's 6 quotes (Evan Marchetti POINTS 0.5 at three books)
    and loses the rest, including the whole SHOTS ON GOAL tab."""
    if route.content_type == HTML:
        text = route.body.decode()
        cut = text.index(HTML_CUT) + len('<span class="odds-info">O 0.5</span><span class="odds-')
        return ok(text[:cut].encode(), HTML)
    return ok(route.body[: len(route.body) // 2], JSON)


def empty(route: Route) -> Reply:
    """A well-formed payload of the vendor's shape with nothing in it (no games posted yet)."""
    if route.prefix == "/unabated":
        body = {"odds": {"lg6:pt1:pregame": []}, "people": {}, "teams": {}, "marketSources": []}
        return ok(json.dumps(body).encode(), JSON)
    if route.content_type == HTML:
        return ok(
            b"<!DOCTYPE html><html><head><title>NHL Player Props</title></head><body>"
            b"<p>No player props are available right now.</p></body></html>",
            HTML,
        )
    return ok(json.dumps({"data": {"events": []}}).encode(), JSON)


def drifted(route: Route) -> Reply:
    """Schema drift: a field the parser needs is gone (renamed upstream).

    PlayNow: ``data.events`` → ``data.eventList``; Unabated: ``people`` (player names) →
    ``persons``; OddsShark: the props container class renamed (a redesign).
    """
    if route.content_type == HTML:
        text = route.body.decode().replace("player-props--container", "props-board--container")
        return ok(text.encode(), HTML)
    data = json.loads(route.body)
    if "people" in data:
        data["persons"] = data.pop("people")
    else:
        data["data"]["eventList"] = data["data"].pop("events")
    return ok(json.dumps(data).encode(), JSON)


#: every fault of issue 5 item 6 (``refused`` is a closed port)
FAULT_NAMES: tuple[str, ...] = (
    "refused",
    "stall",
    "500_then_200",
    "503_forever",
    "429_retry_after_2",
    "429_retry_after_3600",
    "403",
    "truncated",
    "malformed",
    "html_error",
    "empty_payload",
    "schema_drift",
)


def fault_script(name: str, route: Route) -> list[Reply]:
    """The replies of fault ``name`` on ``route`` (recoveries serve the route's correct body)."""
    if name == "malformed":
        return [malformed(route)]
    if name == "empty_payload":
        return [empty(route)]
    if name == "schema_drift":
        return [drifted(route)]
    if name == "html_error":
        return [ok(HTML_ERROR_PAGE, HTML)]
    replies: list[Reply] = fault(name, ok_body=route.body, content_type=route.content_type)
    return replies


def serve_vendors(
    server: FaultServer,
    faulty: str | None = None,
    fault_name: str = "ok",
    *,
    target: str = "all",
) -> dict[str, str]:
    """Mount every vendor's correct routes, then ``fault_name`` on ``faulty``'s.

    ``target``: ``all`` (each of the vendor's routes gets the fault) or ``events`` (PlayNow's
    ``events-by-ids`` only). Returns the ``PROPLEDGER_<VENDOR>_BASE_URL`` environment.
    """
    env: dict[str, str] = {}
    for vendor in VENDORS:
        routes = vendor_routes(vendor)
        for index, route in enumerate(routes):
            hit = vendor == faulty and (target == "all" or index == len(routes) - 1)
            if hit and fault_name not in ("ok", "refused"):
                server.mount(route.prefix, fault_script(fault_name, route))
            else:
                server.mount(route.prefix, ok(route.body, route.content_type))
        env.update(server.base_url_env(vendor, base_prefix(vendor)))
    if faulty is not None and fault_name == "refused":
        env[f"PROPLEDGER_{faulty.upper()}_BASE_URL"] = refused_url(base_prefix(faulty))
    return env


__all__ = [
    "CLEAN_ROWS",
    "EVENT_LIST",
    "FAULT_NAMES",
    "VENDORS",
    "Route",
    "base_prefix",
    "fault_script",
    "serve_vendors",
    "vendor_routes",
]
