"""Sample-world OddsShark payloads: the NHL player-props HTML page, one per capture.

Served at ``https://www.oddsshark.com/nhl/odds/player-props``. The structure of
``/work/shared/vendors/oddsshark.md``: market tabs paired with ``.player-props--container.tab``
by position (``POINTS``, ``SHOTS ON GOAL``, ``GOALS``, ``ASSISTS``, ``BLOCKED SHOTS``, and
``POWER PLAY POINTS`` which is not modelled); every container has its own book header (a
different set and order per tab, ``img alt`` sometimes with a trailing "logo"); each row's
first cell is "Best Odds"; every cell carries its own line (Pinnacle sometimes quotes another
SOG line); odds text is American with ``EV``/``Even`` for +100, a few ``&#43;`` entities,
empty sides and empty cells. Game headers show ``"AWAY @ HOME -"`` and an ET wall time only.

The page is refreshed twice a day (``REFRESHED_AT``: 10:00 and 18:00 ET): a fetch at 14:00
or at the late capture gets the earlier page again, which ingestion archives once, so its
quotes go stale (and games that started meanwhile still show pre-game prices). Name quirks: accents dropped ("Levesque"), common first names shortened ("Mitch", "Alex"),
and one misspelt surname per slate (mapping reaches them by fuzzy matching). On some slates
the 10:00 capture has the tabs but no games yet (an empty page is a status, not an error).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from propledger.clock import ET
from propledger.replay import ReplayWriter
from propledger.sample.odds_board import (
    DEFAULT_ODDS_DAYS,
    STREAM_ODDSSHARK,
    Board,
    american,
    ascii_name,
    board,
    book_error,
    book_mean,
    implied,
    nickname,
    odds_slates,
    p_over,
    rng_for,
)
from propledger.sample.world import World

URL = "https://www.oddsshark.com/nhl/odds/player-props"
MAX_RANK = 5
#: the page is refreshed twice a day, at these captures; the replay serves the latest one
REFRESHED_AT = (0, 2)
#: book → (header alt text variants, margin)
BOOKS = {
    "BET99": ("BET99", 0.065),
    "Sports Interaction": ("Sports Interaction", 0.07),
    "Betway": ("Betway Logo", 0.06),
    "Pinnacle": ("pinnacle logo", 0.045),
}
#: tab label → (market, books left to right)
TABS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("POINTS", "POINTS", ("BET99", "Sports Interaction", "Betway", "Pinnacle")),
    ("SHOTS ON GOAL", "SOG", ("Pinnacle", "BET99", "Betway")),
    ("GOALS", "GOALS", ("BET99", "Sports Interaction", "Betway")),
    ("ASSISTS", "ASSISTS", ("Sports Interaction", "BET99")),
    ("BLOCKED SHOTS", "BLOCKS", ("BET99", "Pinnacle")),
    ("POWER PLAY POINTS", None, ("BET99", "Sports Interaction")),
)


def _odds_text(price: int, variant: float) -> str:
    if price == 100:
        return "EV" if variant < 0.7 else "Even"
    if price > 0:
        return f"&#43;{price}" if variant < 0.03 else f"+{price}"
    return str(price)


def _entry(side: str, line: float, text: str) -> str:
    return (
        f'<div><span class="odds-info">{side} {line:g}</span>'
        f'<span class="odds-detail">{text}</span></div>'
    )


def _cell(entries: Sequence[str], best: bool = False) -> str:
    klass = "book-row best-odds" if best else "book-row"
    return f'<div class="{klass}"><div class="player-props-odds">{"".join(entries)}</div></div>'


class _Slate:
    def __init__(self, world: World, b: Board) -> None:
        rng = rng_for(world, STREAM_ODDSSHARK, b.date)
        n = len(b)
        self.error = {book: book_error(b, rng) for book in BOOKS}
        self.cover = {book: rng.random(n) < 0.85 for book in BOOKS}
        self.one_side = rng.random((len(BOOKS), n)) < 0.03
        pin_move = (rng.random(n) < 0.15) & (b.market == "SOG")
        self.pin_line = np.maximum(0.5, b.line + np.where(pin_move, 1.0, 0.0))
        self.variant = rng.random(n)
        self.empty_morning = rng.random() < 0.2  # props not posted yet at 10:00
        # every page shows the odds texts a parser must read: "EV", "Even" and "&#43;": the
        # two SOG overs nearest even money are quoted at +100 (still a positive overround)
        self.even: set[tuple[int, str]] = set()
        rows = np.flatnonzero((b.market == "SOG") & (b.rank < MAX_RANK) & (b.player_id > 0))
        if len(rows):
            near = rows[np.argsort(np.abs(p_over(b.market[rows], b.mu[rows], b.line[rows]) - 0.47))]
            for row, book, variant in zip(near[:2], ("BET99", "Betway"), (0.0, 0.9), strict=False):
                self.even.add((int(row), book))
                self.variant[row] = variant
        names = [ascii_name(nickname(str(nm))) for nm in b.name]
        real = np.flatnonzero(b.player_id > 0)
        if len(real):  # one misspelt surname per slate: a doubled last letter
            who = b.player_id[int(real[int(rng.integers(len(real)))])]
            for i in np.flatnonzero(b.player_id == who):
                names[int(i)] = names[int(i)] + names[int(i)][-1]
        self.names = names


def page(b: Board, capture: int, slate: _Slate) -> bytes:
    """The props page at one capture (deterministic HTML, UTF-8)."""
    listed = b.listed(capture)
    if capture == 0 and slate.empty_morning:
        listed = np.zeros(len(b.games), dtype=bool)
    prices = {}
    for book, (_alt, margin) in BOOKS.items():
        line = slate.pin_line if book == "Pinnacle" else b.line
        po = p_over(b.market, book_mean(b, capture, slate.error[book]), line)
        goals = b.market == "GOALS"
        prices[book] = (
            american(implied(po, np.where(goals, 0.12, margin))).tolist(),
            american(implied(1.0 - po, margin)).tolist(),
            line.tolist(),
        )
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>NHL Player Props Odds | OddsShark</title>\n</head>\n<body>\n",
        '<div class="tab-group foil">\n',
    ]
    for n, (label, _m, _b) in enumerate(TABS):
        active = " is-active" if n == 0 else ""
        parts.append(
            f'<button class="button button--tab-primary{active}" type="button">{label}</button>\n'
        )
    parts.append("</div>\n")
    book_index = {book: n for n, book in enumerate(BOOKS)}
    for n, (_label, market, books) in enumerate(TABS):
        active = " is-active" if n == 0 else ""
        parts.append(f'<div class="player-props--container tab{active}">\n')
        parts.append('<div class="player-props--header">\n')
        parts.append('<div class="player-props--item best-odds-label">Best Odds</div>\n')
        for book in books:
            slug = book.lower().replace(" ", "-")
            alt = html.escape(BOOKS[book][0])
            parts.append(
                f'<div class="player-props--item"><img src="/logos/{slug}.svg" alt="{alt}"></div>\n'
            )
        parts.append("</div>\n")
        for k, g in enumerate(b.games):
            if not listed[k]:
                continue
            when = g.start.astimezone(ET).strftime("%I:%M %p ET").lstrip("0")
            parts.append(
                f'<div class="props-game-info"><span class="props-teams">{g.away} @ {g.home} -'
                f'</span><span class="event-time">{when}</span></div>\n'
            )
            stat = market or "POINTS"
            rows = np.flatnonzero((b.game == k) & (b.rank < MAX_RANK) & (b.market == stat))
            for i in rows.tolist():
                parts.append(_row(b, i, g.game_id, books, book_index, prices, slate, market))
        parts.append("</div>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts).encode("utf-8")


def _row(
    b: Board,
    i: int,
    game_id: int,
    books: Sequence[str],
    book_index: dict[str, int],
    prices: dict[str, tuple[list[int], list[int], list[float]]],
    slate: _Slate,
    market: str | None,
) -> str:
    cells: list[str] = []
    best_over: int | None = None
    best_under: int | None = None
    best_line = float(b.line[i])
    for book in books:
        over, under, lines = prices[book]
        if market is None:  # power-play points: not modelled, a fixed-looking price
            over_p, under_p, line = 210, -280, 0.5
        else:
            over_p, under_p, line = over[i], under[i], lines[i]
        if (i, book) in slate.even:
            over_p = 100
        elif not slate.cover[book][i]:
            cells.append(_cell(()))
            continue
        entries = [_entry("O", line, _odds_text(over_p, slate.variant[i]))]
        if market == "GOALS" or slate.one_side[book_index[book], i]:
            entries.append(_entry("U", line, ""))  # no under quoted: an empty side
        else:
            entries.append(_entry("U", line, _odds_text(under_p, slate.variant[i])))
            if line == best_line:
                best_under = under_p if best_under is None else max(best_under, under_p)
        if line == best_line:
            best_over = over_p if best_over is None else max(best_over, over_p)
        cells.append(_cell(entries))
    best = [
        _entry("O", best_line, "" if best_over is None else _odds_text(best_over, 1.0)),
        _entry("U", best_line, "" if best_under is None else _odds_text(best_under, 1.0)),
    ]
    name = html.escape(slate.names[i])
    return (
        f'<div class="player-props--row" data-event="{4400000 + game_id % 100000}">'
        f'<div class="player-name">{name}</div>{_cell(best, best=True)}{"".join(cells)}</div>\n'
    )


def write_payloads(world: World, replay: ReplayWriter, *, days: int | None = None) -> int:
    """Add the props page of every capture; return the number of captures."""
    n = 0
    for day in odds_slates(world, DEFAULT_ODDS_DAYS if days is None else days):
        b = board(world, day)
        slate = _Slate(world, b)
        for capture in REFRESHED_AT:
            replay.add(URL, b.captures[capture], page(b, capture, slate), content_type="text/html")
            n += 1
    return n


__all__ = ["BOOKS", "TABS", "URL", "page", "write_payloads"]
