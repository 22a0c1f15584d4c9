"""History and outcomes: MoneyPuck game-by-game rows, the NHL schedule and box scores, imported
into the warehouse's core tables (``player_game_situation``, ``goalie_game``, ``dim_player``,
``dim_team``, ``dim_game``, ``fact_outcome``). Entry point: :func:`refresh_history`."""

from propledger.history.common import ProgressEvent, ProgressFn
from propledger.history.freshness import history_freshness, is_stale, last_history_load
from propledger.history.refresh import HistoryRefreshResult, RefreshStatus, refresh_history
from propledger.history.seasons import default_seasons, parse_seasons, season_of

__all__ = [
    "HistoryRefreshResult",
    "ProgressEvent",
    "ProgressFn",
    "RefreshStatus",
    "default_seasons",
    "history_freshness",
    "is_stale",
    "last_history_load",
    "parse_seasons",
    "refresh_history",
    "season_of",
]
