"""NHL box scores → ``fact_outcome`` (+ a ``dim_game`` version with the final state).

Candidates are the games of ``[through − lookback, through]`` (slate dates, ET) that are not
postponed/cancelled, should be over (start + 3 h ≤ now, or already final) and have no outcome
rows yet, so a settled game is never fetched twice. Only ``FINAL``/``OFF`` box scores produce
outcomes; a game still in progress just records its state and is tried again next run. A box
score that cannot be fetched or parsed degrades the refresh (the game stays a candidate).
"""

from __future__ import annotations

import datetime as dt

from propledger.errors import PayloadError
from propledger.history.common import ImportRun
from propledger.history.schedule_import import append_games
from propledger.http import VendorClient
from propledger.sources import nhl_api as nhl
from propledger.sources.nhl_records import GameRecord, OutcomeRow, outcomes_table

#: a game is expected to be over this long after its scheduled start
GAME_DURATION = dt.timedelta(hours=3)

_CANDIDATES = """
SELECT g.game_id, g.slate_date FROM v_game g
WHERE g.slate_date BETWEEN ? AND ?
  AND coalesce(g.schedule_state, 'OK') NOT IN ('PPD', 'CNCL')
  AND (g.game_state IN ('FINAL', 'OFF') OR g.start_time_utc <= ?)
  AND NOT EXISTS (SELECT 1 FROM fact_outcome o WHERE o.game_id = g.game_id)
ORDER BY g.start_time_utc, g.game_id
"""


def boxscore_candidates(
    run: ImportRun, through: dt.date, lookback_days: int
) -> list[tuple[int, dt.date]]:
    """(game_id, slate_date) of finished-looking games in the window without outcomes."""
    started_before = run.ctx.clock.now() - GAME_DURATION
    rows = run.wh.rows(
        _CANDIDATES, [through - dt.timedelta(days=lookback_days), through, started_before]
    )
    return [(int(game_id), day) for game_id, day in rows]


def import_outcomes(
    run: ImportRun, client: VendorClient, base: str, through: dt.date, lookback_days: int
) -> None:
    """Fetch, archive and parse the candidates' box scores; append the outcomes and final game
    versions (call inside ``run.batch()`` to commit them with the payload registrations)."""
    candidates = boxscore_candidates(run, through, lookback_days)
    games: list[GameRecord] = []
    outcomes: list[OutcomeRow] = []
    for done, (game_id, day) in enumerate(candidates, 1):
        run.tick("nhl boxscores", done, len(candidates), str(game_id))
        label = f"nhl_api boxscore {game_id}"
        fetched = run.fetch(
            client,
            nhl.fetch_boxscore,
            base,
            game_id,
            surface="nhl_boxscore",
            label=label,
            slate_date=day,
        )
        if fetched is None:
            continue
        run.boxscores_fetched += 1
        try:
            game, rows = nhl.parse_boxscore(fetched.json())
        except PayloadError as exc:
            client.record_error(exc)
            run.problem(f"{label}: {exc}")
            continue
        games.append(game)
        if game.is_final and rows:
            outcomes.extend(rows)
            run.games_settled += 1
        elif not game.is_final:
            run.note(f"{label}: game state {game.game_state}, not settled yet")
    run.games_seen.update(g.game_id for g in games)
    if not games:
        return
    with run.wh.transaction():  # joins the caller's batch when there is one
        if outcomes:
            run.append("fact_outcome", outcomes_table(outcomes))
        append_games(run, games)


__all__ = ["GAME_DURATION", "boxscore_candidates", "import_outcomes"]
