"""Historical as-of snapshots: every skater-game already played, priced as if it were the
next slate (features strictly before its date), for calibration and evaluation.

Nothing here is persisted: a season of as-of rows (~40k player-games × markets × lines) is
recomputed in seconds from the warehouse, through exactly the production path
(``features`` → ``snapshot.price``), so what calibration learns is what production publishes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from propledger.clock import Clock
from propledger.errors import ModelError
from propledger.evidence.warehouse import Warehouse
from propledger.model.calibration import CalibratorArtifact
from propledger.model.calibration_fit import ChronoSplit, fit_calibrators
from propledger.model.constants import CALIBRATED_MARKETS, CALIBRATION_LINE, MARKETS, Market
from propledger.model.features import history_features
from propledger.model.outcomes import CountSource, accuracy_rows, resolve
from propledger.model.snapshot import Calibration, price

#: The columns calibration fitting reads (``calibration_fit.REQUIRED_COLUMNS`` plus identity).
CALIBRATION_COLUMNS: tuple[str, ...] = (
    "slate_date", "game_id", "player_id", "market", "line", "p_over_raw", "outcome_over",
)  # fmt: skip


def history_span(wh: Warehouse) -> tuple[dt.date, dt.date] | None:
    """First and last day (ET) of imported skater history, or None when there is none."""
    row = wh.rows(
        "SELECT min(coalesce(g.slate_date, p.game_date)), max(coalesce(g.slate_date, p.game_date)) "
        "FROM player_game_situation p LEFT JOIN v_game g USING (game_id) WHERE p.situation = 'all'"
    )[0]
    return None if row[0] is None else (row[0], row[1])


def resolve_window(
    wh: Warehouse, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date, dt.date]:
    """Fill a missing bound from the imported history; ModelError when there is none."""
    span = history_span(wh)
    if span is None:
        raise ModelError(
            "no skater history in the warehouse; run `propledger history refresh --through DATE` first"
        )
    lo, hi = start or span[0], end or span[1]
    if lo > hi:
        raise ModelError(f"window {lo} … {hi} is empty; --from must not be after --to")
    return lo, hi


def asof_snapshot(
    wh: Warehouse,
    start: dt.date,
    end: dt.date,
    *,
    calibration: Calibration | None = None,
    markets: Iterable[Market] = MARKETS,
    ladder: Mapping[Market, Sequence[float]] | None = None,
) -> pa.Table:
    """Priced as-of rows for every skater-game with day in [start, end] (ET, inclusive).

    Same columns as ``snapshot.price`` without the features JSON; raw probabilities unless a
    ``calibration`` is given (then MARKET_POLICY applies as in production).
    """
    features = history_features(wh, start, end)
    return price(
        features,
        calibration=calibration or Calibration.raw(),
        markets=markets,
        ladder=ladder,
        with_features=False,
    )


def calibration_rows(wh: Warehouse, start: dt.date, end: dt.date) -> pa.Table:
    """Settled k = 1 (line 0.5) raw rows of the calibrated markets, settled on the player's
    own MoneyPuck ``all`` row of that game (``model.outcomes``, MONEYPUCK; OVER/UNDER only)."""
    markets = list(CALIBRATED_MARKETS)
    priced = asof_snapshot(
        wh, start, end, markets=markets, ladder={m: (CALIBRATION_LINE,) for m in markets}
    )
    settled = accuracy_rows(resolve(wh, priced, source=CountSource.MONEYPUCK))
    return settled.select(list(CALIBRATION_COLUMNS))


@dataclass(frozen=True)
class CalibrationFit:
    """Fitted (not yet saved) calibrators and the rows they came from."""

    start: dt.date
    end: dt.date
    rows: int
    artifacts: tuple[CalibratorArtifact, ...]


def fit_from_history(
    wh: Warehouse,
    start: dt.date,
    end: dt.date,
    *,
    clock: Clock,
    split: ChronoSplit,
    run_id: str,
) -> CalibrationFit:
    """As-of rows over [start, end] → settled k = 1 rows → ``calibration_fit.fit_calibrators``."""
    rows = calibration_rows(wh, start, end)
    artifacts = fit_calibrators(rows, clock=clock, split=split, run_id=run_id)
    return CalibrationFit(start, end, rows.num_rows, tuple(artifacts))


__all__ = [
    "CALIBRATION_COLUMNS",
    "CalibrationFit",
    "asof_snapshot",
    "calibration_rows",
    "fit_from_history",
    "history_span",
    "resolve_window",
]
