"""How current the imported history is (for the production snapshot's "refresh if stale")."""

from __future__ import annotations

import datetime as dt

from propledger.clock import Clock
from propledger.evidence.warehouse import Warehouse

_LAST_GAME_DAY_BEFORE = """
SELECT max(slate_date) FROM v_game
WHERE slate_date < ? AND coalesce(game_type, 2) = 2
  AND coalesce(schedule_state, 'OK') NOT IN ('PPD', 'CNCL')
"""


def history_freshness(wh: Warehouse) -> dt.date | None:
    """The latest MoneyPuck ``game_date`` imported (None when there is no history)."""
    value = wh.scalar("SELECT max(game_date) FROM player_game_situation")
    return value if isinstance(value, dt.date) else None


def last_history_load(wh: Warehouse) -> dt.datetime | None:
    """When history rows were last added (UTC)."""
    value = wh.scalar("SELECT max(loaded_at) FROM player_game_situation")
    return value if isinstance(value, dt.datetime) else None


def is_stale(wh: Warehouse, slate_date: dt.date, clock: Clock, max_age_hours: float) -> bool:
    """True when history should be refreshed before pricing ``slate_date`` (ET date).

    Stale means: no history at all, or games played before the slate (the last regular-season
    game day before it according to ``dim_game``; the day before when the schedule is unknown)
    are missing **and** the last load that added rows is at least ``max_age_hours`` old (MoneyPuck
    publishes a game about a day later, so a recent refresh that found nothing new is not
    repeated on every run).
    """
    latest = history_freshness(wh)
    if latest is None:
        return True
    expected = wh.scalar(_LAST_GAME_DAY_BEFORE, [slate_date])
    if not isinstance(expected, dt.date):
        expected = slate_date - dt.timedelta(days=1)
    if latest >= expected:
        return False
    loaded = last_history_load(wh)
    return loaded is None or clock.now() - loaded >= dt.timedelta(hours=max_age_hours)


__all__ = ["history_freshness", "is_stale", "last_history_load"]
