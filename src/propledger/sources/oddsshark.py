"""OddsShark's NHL player-props HTML page (no props API), parsed with selectolax (lexbor).

Fetch (``fetch_props_page``): ``{base}/nhl/odds/player-props`` with a browser User-Agent.

Page facts (``/work/shared/vendors/oddsshark.md``): market tabs (``.tab-group.foil
.button--tab-primary``) pair with ``.player-props--container.tab`` by position; each container
has its own book header (``img[alt]``, a trailing "logo" stripped); in every row the first
``.book-row`` is "Best Odds" and is skipped, cell i ≥ 1 belongs to header book i − 1 and
carries its own line; odds text is American (``EV``/``Even`` = +100, empty = no quote,
entities such as ``&#43;`` decoded). The page shows only an ET wall time, so the game's
date is the capture's America/New_York date (zoneinfo, DST-aware) and its id is the synthetic
``ODDSSHARK_{YYYYMMDD}_{AWAY}_{HOME}``. Zero rows is a status (``empty``/``no_match``), not an
error; a selector that matched nothing is named in the warnings.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from propledger.clock import et_to_utc, slate_date
from propledger.errors import InputError
from propledger.http import VendorClient
from propledger.odds.collect import QuoteCollector, cached_price
from propledger.odds.formats import OddsFormat
from propledger.odds.normalize import (
    book_type_for,
    canonical_market,
    canonical_side,
    display_name,
    normalize_line,
    strip_logo,
    team_abbrev,
)
from propledger.odds.quote import (
    FetchBundle,
    FetchedPayload,
    Market,
    ParseResult,
    Platform,
    Surface,
    Vendor,
    build_quote,
)
from propledger.settings import Settings

TAB_SELECTOR = ".tab-group.foil .button--tab-primary"
CONTAINER_CLASSES = ("player-props--container", "tab")
HEADER_ITEM_SELECTOR = ".player-props--header .player-props--item"

_ODDS_INFO = re.compile(
    r"^\s*(?P<side>o|u|over|under)\s*(?P<line>\d+(?:\.\d+)?)\s*$", re.IGNORECASE
)
_EVENT_TIME = re.compile(
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?:\s*(?P<ampm>[ap])\.?\s*m\b\.?)?", re.IGNORECASE
)
_TAB_COUNT = re.compile(r"\s*\(\d+\)\s*$")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\uff0b": "+"})


def synthetic_event_id(game_date: dt.date, away: str, home: str) -> str:
    """``ODDSSHARK_{YYYYMMDD}_{AWAY}_{HOME}``; ``game_date`` is the America/New_York date."""
    return f"ODDSSHARK_{game_date:%Y%m%d}_{away}_{home}"


# ---- fetch ----------------------------------------------------------------------------------


def props_page_url(settings: Settings) -> str:
    return f"{settings.base_url('oddsshark')}/nhl/odds/player-props"


def fetch_props_page(client: VendorClient, settings: Settings) -> FetchBundle:
    """GET the props page (HTML); an empty page before props are posted is still a payload."""
    fetched = client.get(
        props_page_url(settings),
        headers={"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"},
    )
    return FetchBundle(
        (FetchedPayload(fetched, Vendor.ODDSSHARK, Platform.PROPS_HTML, Surface.ODDSSHARK_PROPS),)
    )


# ---- parse ----------------------------------------------------------------------------------


def _classes(node: LexborNode) -> set[str]:
    return set(str(node.attributes.get("class") or "").split())


def _text(node: LexborNode | None) -> str:
    """Decoded, trimmed text; entities left double-encoded by the page are decoded too."""
    if node is None:
        return ""
    return " ".join(html.unescape(node.text(deep=True) or "").split())


@dataclass
class _Game:
    raw: str
    away: str | None
    home: str | None
    start: dt.datetime | None
    event_id: str | None


@dataclass
class _Container:
    market: Market | None
    label: str
    books: list[str] = field(default_factory=list)


def parse_props_page(html_text: bytes | str, captured_at: dt.datetime) -> ParseResult:
    """Quotes from the props page captured at ``captured_at`` (UTC; its ET date dates the games)."""
    text = (
        html_text.decode("utf-8", errors="replace") if isinstance(html_text, bytes) else html_text
    )
    out = QuoteCollector(Vendor.ODDSSHARK, Platform.PROPS_HTML, captured_at)
    game_date = slate_date(out.captured_at)
    tree = LexborHTMLParser(text)
    tabs = [_text(node) for node in tree.css(TAB_SELECTOR)]
    root = tree.body or tree.root
    if root is None:
        out.warn("oddsshark: the page has no body")
        return out.finish(structure_found=False)
    containers = [n for n in root.traverse() if set(CONTAINER_CLASSES) <= _classes(n)]
    if not containers:
        out.warn(
            "oddsshark: selector .player-props--container.tab matched nothing (redesign or empty page)"
        )
        if not tabs:
            out.warn(f"oddsshark: selector {TAB_SELECTOR} matched nothing")
        return out.finish(structure_found=False)
    if len(tabs) != len(containers):
        out.warn(
            f"oddsshark: {len(tabs)} tabs but {len(containers)} containers; paired by position, "
            "extra containers skipped"
        )
    plans: dict[int, _Container] = {}
    for index, container in enumerate(containers):
        if index >= len(tabs):
            out.skip("container_without_tab")
            continue
        # exact labels (a trailing count "(12)" aside): POWER PLAY POINTS is not POINTS
        market = canonical_market(_TAB_COUNT.sub("", tabs[index]))
        if market is None:
            out.skip("unsupported_tab")
            continue
        plans[container.mem_id] = _Container(market, tabs[index], _books(container))
    _walk(root, plans, game_date, out)
    return out.finish()


def _books(container: LexborNode) -> list[str]:
    """This container's books, left to right (the "Best Odds" item has no img and is skipped)."""
    books: list[str] = []
    for item in container.css(HEADER_ITEM_SELECTOR):
        img = item.css_first("img[alt]")
        if img is not None:
            books.append(strip_logo(str(img.attributes.get("alt") or "")))
    return books


def _walk(
    root: LexborNode, plans: dict[int, _Container], game_date: dt.date, out: QuoteCollector
) -> None:
    """Visit game headers and rows in document order; a row's game is the nearest preceding one."""
    game: _Game | None = None
    current: _Container | None = None
    inside = False
    for node in _elements(root):
        classes = _classes(node)
        if set(CONTAINER_CLASSES) <= classes:
            current = plans.get(node.mem_id)
            inside = True
        elif "props-game-info" in classes:
            game = _game(node, game_date, out)
        elif "player-props--row" in classes and inside:
            if current is None:
                continue  # unsupported or unpaired tab (counted once per container)
            if game is None or game.event_id is None:
                out.skip("row_without_game")
                continue
            _row(node, current, game, out)


def _elements(root: LexborNode) -> Iterator[LexborNode]:
    for node in root.traverse():
        if node.tag and not node.tag.startswith(("-", "#")):
            yield node


def _game(node: LexborNode, game_date: dt.date, out: QuoteCollector) -> _Game:
    raw = _text(node.css_first(".props-teams"))
    teams = raw.rstrip("-– ").strip()
    away = home = None
    if "@" in teams:
        left, right = teams.split("@", 1)
        away, home = team_abbrev(left.strip()), team_abbrev(right.strip())
    if not (away and home):
        out.warn(f"oddsshark: cannot read the teams of game header {raw!r}; its rows are skipped")
    start = None
    time_text = _text(node.css_first(".event-time"))
    match = _EVENT_TIME.search(time_text)
    if match:
        hour, minute, ampm = int(match.group("h")), int(match.group("m")), match.group("ampm")
        if ampm:  # "7:00 PM ET"; without AM/PM the clock is 24-hour
            hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        if hour < 24 and minute < 60:
            start = et_to_utc(game_date, dt.time(hour, minute))
    elif time_text:
        out.warn(f"oddsshark: event time {time_text!r} is not 'h:mm AM/PM ET'")
    event_id = synthetic_event_id(game_date, away, home) if away and home else None
    return _Game(teams or raw, away, home, start, event_id)


def _row(node: LexborNode, plan: _Container, game: _Game, out: QuoteCollector) -> None:
    player = display_name(_text(node.css_first(".player-name")))
    cells = node.css(".book-row")
    if not player:
        out.skip("no_player")
        return
    common: dict[str, Any] = {
        "vendor": Vendor.ODDSSHARK,
        "platform": Platform.PROPS_HTML,
        "capture_ts_utc": out.captured_at,
        "slate_date": slate_date(game.start) if game.start else None,
        "event_id_vendor": game.event_id,
        "event_ref_vendor": node.attributes.get("data-event"),
        "event_name_raw": game.raw,
        "event_start_time_utc": game.start,
        "home_team": game.home,
        "away_team": game.away,
        "player_name_raw": player,
        "market_type": plan.market,
    }
    for index, cell in enumerate(cells[1:]):  # cells[0] is "Best Odds"
        if index >= len(plan.books):
            out.skip("cell_without_book")
            continue
        book = plan.books[index]
        entries = cell.css(".player-props-odds > div")
        if not entries:
            out.skip("empty_cell")
        for entry in entries:
            _entry(entry, book, common, out)


def _entry(entry: LexborNode, book: str, common: dict[str, Any], out: QuoteCollector) -> None:
    info = _ODDS_INFO.match(_text(entry.css_first(".odds-info")))
    side = canonical_side(info.group("side")) if info else None
    line = normalize_line(info.group("line")) if info else None
    if side is None or line is None:
        out.skip("bad_odds_info")
        return
    raw = _text(entry.css_first(".odds-detail")).translate(_MINUS)
    if not raw:
        out.skip("empty_odds")  # no quote for this side; not an error
        return
    try:
        price = cached_price(raw, OddsFormat.AMERICAN)
    except InputError:
        out.skip("bad_odds")
        return
    out.add(
        build_quote(
            price,
            **common,
            line=line,
            side=side,
            book_name_raw=book,
            book_type=book_type_for(book),
        )
    )


__all__ = ["fetch_props_page", "parse_props_page", "props_page_url", "synthetic_event_id"]
