"""Pricing a slate: features → μ → line probabilities → calibration → MARKET_POLICY.

:func:`price` is pure (an Arrow table of feature rows in, one row per player × market × line
out) and serves both the production snapshot and the historical as-of snapshots.
:func:`build_snapshot` prices one slate from the warehouse; :func:`persist_snapshot` appends
it to ``fact_probability_snapshot``; :func:`write_probabilities_csv` writes the CSV.

Lines priced per market: the market's standard ladder (``constants.STANDARD_LINES``: GOALS and
ASSISTS 0.5-2.5, POINTS and BLOCKS 0.5-3.5, SOG 0.5-5.5) plus every line a book offered for
that player on that slate in ``fact_prop_odds`` (pre-game quotes captured up to the snapshot
instant, mapped to the player; integer lines included, which can push).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from propledger.errors import ModelError
from propledger.evidence.warehouse import Warehouse
from propledger.files import write_csv
from propledger.model.calibration import CalibratorArtifact, apply, load_active_calibrators
from propledger.model.constants import (
    MARKET_DISTRIBUTION,
    MARKETS,
    MODEL_VERSION,
    NB2_ALPHA,
    STANDARD_LINES,
    Market,
)
from propledger.model.distributions import line_probabilities
from propledger.model.features import CONTEXT_COLUMNS, FEATURE_COLUMNS, slate_features
from propledger.model.mu import MULTIPLIERS, compute_mu
from propledger.model.policy import apply_policy, needs_calibrator
from propledger.settings import Settings

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
SNAPSHOT_TABLE = "fact_probability_snapshot"
#: Identity columns carried from the feature rows onto every priced row.
CARRY: tuple[str, ...] = ("slate_date", "game_id", "player_id", "player_name", "team", "opponent")
#: Bit flags of ``line_source``.
_STANDARD, _OFFERED = 1, 2
_SOURCE_NAMES = {1: "standard", 2: "offered", 3: "standard+offered"}
#: Offered lines outside this range are ignored (vendor junk, not a prop).
MAX_LINE = 30.0
#: Columns of the probabilities CSV (the feature JSON stays in the warehouse).
CSV_COLUMNS: tuple[str, ...] = (
    "slate_date", "game_id", "player_id", "player_name", "team", "opponent", "market", "line",
    "line_source", "mu", "mu_base", *MULTIPLIERS, "branch", "distribution", "alpha",
    "p_over_raw", "p_over_cal", "p_over", "p_under", "p_push", "prob_source", "model_version",
    "calibrator_version",
)  # fmt: skip


@dataclass(frozen=True)
class Calibration:
    """What MARKET_POLICY needs: the active calibrators, or calibration disabled."""

    calibrators: Mapping[Market, CalibratorArtifact] = field(default_factory=dict)
    disabled: bool = False

    @classmethod
    def raw(cls) -> Calibration:
        """Raw probabilities everywhere (DISABLE_CALIBRATION=1, or uncalibrated as-of rows)."""
        return cls({}, True)

    @classmethod
    def load(cls, settings: Settings, markets: Iterable[Market] = MARKETS) -> Calibration:
        """The active calibrators of the calibrated markets among ``markets``.

        A missing or corrupt calibrator is a ModelError unless calibration is disabled.
        """
        if settings.disable_calibration:
            return cls.raw()
        needed = needs_calibrator([Market(m).value for m in markets])
        return cls(load_active_calibrators(settings.models_dir, needed) if needed else {}, False)


def _line_plan(
    mu: pa.Table, ladder: Mapping[Market, Sequence[float]], offered: pa.Table | None
) -> tuple[npt.NDArray[np.int64], FloatArray, npt.NDArray[np.int64]]:
    """(index into ``mu``, line, source flags), sorted by index then line, deduplicated."""
    markets = np.asarray(mu.column("market").to_numpy(zero_copy_only=False), dtype=str)
    idx_parts, line_parts, flag_parts = [], [], []
    for market, lines in ladder.items():
        rows = np.flatnonzero(markets == Market(market).value)
        grid = np.asarray(lines, dtype=np.float64)
        idx_parts.append(np.repeat(rows, len(grid)))
        line_parts.append(np.tile(grid, len(rows)))
        flag_parts.append(np.full(len(rows) * len(grid), _STANDARD))
    if offered is not None and offered.num_rows:
        keys = mu.select(["game_id", "player_id", "market"]).append_column(
            "_i", pa.array(np.arange(mu.num_rows, dtype=np.int64))
        )
        hit = keys.join(offered, ["game_id", "player_id", "market"], join_type="inner")
        idx_parts.append(np.asarray(hit.column("_i").to_numpy(), dtype=np.int64))
        line_parts.append(np.asarray(pc.cast(hit.column("line"), pa.float64()).to_numpy()))
        flag_parts.append(np.full(hit.num_rows, _OFFERED))
    idx = np.concatenate(idx_parts) if idx_parts else np.empty(0, np.int64)
    line = np.concatenate(line_parts) if line_parts else np.empty(0)
    flag = np.concatenate(flag_parts) if flag_parts else np.empty(0, np.int64)
    key = idx * 1024 + np.rint(line * 2).astype(np.int64)  # lines ≤ MAX_LINE, so 2·line < 1024
    order = np.argsort(key, kind="stable")
    key, idx, line, flag = key[order], idx[order], line[order], flag[order]
    starts = np.flatnonzero(np.r_[True, np.diff(key) != 0]) if len(key) else np.empty(0, np.int64)
    flags = np.bitwise_or.reduceat(flag, starts) if len(key) else flag
    return idx[starts], line[starts], flags


_SCRATCH: list[duckdb.DuckDBPyConnection] = []


def _scratch() -> duckdb.DuckDBPyConnection:
    """A process-wide in-memory DuckDB for small Arrow → JSON work (no warehouse needed)."""
    if not _SCRATCH:
        _SCRATCH.append(duckdb.connect())
    return _SCRATCH[0]


def features_json(features: pa.Table) -> pa.Array:
    """One JSON object per feature row: the model inputs (NaN → null) and the context."""
    names = [c for c in (*FEATURE_COLUMNS, *CONTEXT_COLUMNS) if c in features.column_names]
    con = _scratch().cursor()  # a cursor is cheap; a new in-memory database is not (~70 ms)
    try:
        con.register("f", features.select(names))
        pack = ", ".join(
            f'"{c}" := CASE WHEN isnan("{c}") THEN NULL ELSE "{c}" END'
            if c in FEATURE_COLUMNS
            else f'"{c}" := "{c}"'
            for c in names
        )
        return con.sql(f"SELECT to_json(struct_pack({pack}))::VARCHAR AS j FROM f").to_arrow_table().column(0).combine_chunks()  # fmt: skip
    finally:
        con.close()


def price(
    features: pa.Table,
    *,
    calibration: Calibration,
    markets: Iterable[Market] = MARKETS,
    ladder: Mapping[Market, Sequence[float]] | None = None,
    offered: pa.Table | None = None,
    with_features: bool = True,
) -> pa.Table:
    """Price every feature row for each market and line.

    ``features``: the feature contract plus ``CARRY`` columns (``model.features`` output).
    ``ladder``: lines per market (default ``STANDARD_LINES``); ``offered``: extra lines as
    (game_id, player_id, market, line). Rows whose μ is missing (no usable history) are
    dropped. Probabilities are 0-1; μ is the expected count per game.
    """
    wanted = [Market(m) for m in markets]
    plan = ladder if ladder is not None else {m: STANDARD_LINES[m] for m in wanted}
    plan = {Market(m): v for m, v in plan.items() if Market(m) in wanted}
    carry = [c for c in CARRY if c in features.column_names]
    mu = compute_mu(features, wanted, carry=carry)
    if with_features:
        mu = mu.append_column("features", features_json(features).take(mu.column("row")))
    finite = pc.is_finite(mu.column("mu"))
    dropped = mu.num_rows - pc.sum(finite).as_py() if mu.num_rows else 0
    if dropped:
        logger.info("%d player-market rows have no μ (no usable history); not priced", dropped)
    mu = mu.filter(finite)
    idx, lines, flags = _line_plan(mu, plan, offered)
    rows = mu.take(pa.array(idx)).drop_columns(["row"])
    market = np.asarray(rows.column("market").to_numpy(zero_copy_only=False), dtype=str)
    mu_values = np.asarray(rows.column("mu").to_numpy(), dtype=np.float64)
    n = len(lines)
    over, under, push, cal = (np.full(n, np.nan) for _ in range(4))
    dist = np.empty(n, dtype=object)
    alpha = np.full(n, np.nan)
    version = np.full(n, None, dtype=object)
    for m in wanted:
        sel = market == m.value
        if not sel.any():
            continue
        probs = line_probabilities(m, mu_values[sel], lines[sel])
        over[sel], under[sel], push[sel] = probs.over, probs.under, probs.push
        dist[sel] = MARKET_DISTRIBUTION[m].value
        alpha[sel] = NB2_ALPHA.get(m, np.nan)
        art = None if calibration.disabled else calibration.calibrators.get(m)
        if art is not None:
            cal[sel] = apply(art, probs.over)
            version[sel] = art.version
    policy = apply_policy(market, over, under, push, cal, disable_calibration=calibration.disabled)
    calibrated = policy.prob_source == "Calibrated"
    version[~calibrated] = None
    names = [_SOURCE_NAMES[int(f)] for f in (1, 2, 3)]
    line_source = np.asarray(names, dtype=object)[flags - 1] if n else np.empty(0, object)
    out = {c: rows.column(c) for c in carry}
    out |= {
        "market": rows.column("market"),
        "line": pa.array(lines, pa.float64()),
        "line_source": pa.array(line_source, pa.string()),
    }
    for c in ("mu", "mu_base", *MULTIPLIERS, "branch", "proj_toi", "proj_ev", "proj_pp"):
        out[c] = rows.column(c)
    out |= {
        "distribution": pa.array(dist, pa.string()),
        "alpha": pa.array(alpha, pa.float64(), from_pandas=True),
        "p_over_raw": pa.array(over),
        "p_under_raw": pa.array(under),
        "p_push_raw": pa.array(push),
        "p_over_cal": pa.array(cal, pa.float64(), from_pandas=True),
        "p_over": pa.array(policy.p_over),
        "p_under": pa.array(policy.p_under),
        "p_push": pa.array(policy.p_push),
        "prob_source": pa.array(policy.prob_source, pa.string()),
        "model_version": pa.array(np.full(n, MODEL_VERSION, dtype=object), pa.string()),
        "calibrator_version": pa.array(version, pa.string()),
    }
    if with_features:
        out["features"] = rows.column("features")
    return pa.table(out)


def offered_lines(wh: Warehouse, slate_date: dt.date, until: dt.datetime) -> pa.Table:
    """Lines books offered for mapped players of ``slate_date``'s games, captured ≤ ``until``."""
    empty = pa.table(
        {"game_id": pa.array([], pa.int64()), "player_id": pa.array([], pa.int64()),
         "market": pa.array([], pa.string()), "line": pa.array([], pa.float64())}
    )  # fmt: skip
    if not wh.table_exists("fact_prop_odds"):
        return empty
    markets = ", ".join(f"'{m.value}'" for m in MARKETS)
    return wh.arrow(
        "SELECT DISTINCT o.game_id, o.player_id, o.market_type AS market, "
        "CAST(o.line AS DOUBLE) AS line FROM fact_prop_odds o "
        "WHERE o.game_id IN (SELECT game_id FROM v_game WHERE slate_date = ?) "
        "AND o.player_id IS NOT NULL AND NOT o.is_live AND o.capture_ts_utc <= ? "
        f"AND o.market_type IN ({markets}) AND o.line >= 0.5 AND o.line <= {MAX_LINE} "
        "AND o.line * 2 = round(o.line * 2) ORDER BY ALL",
        [slate_date, until],
    )


def build_snapshot(
    wh: Warehouse, slate_date: dt.date, *, calibration: Calibration, as_of: dt.datetime
) -> pa.Table:
    """Price ``slate_date``'s slate (ET date) from the warehouse; nothing is written."""
    features = slate_features(wh, slate_date)
    priced = price(features, calibration=calibration, offered=offered_lines(wh, slate_date, as_of))
    return sort_snapshot(priced)


def sort_snapshot(table: pa.Table) -> pa.Table:
    """Canonical order: game, team, player, market (MARKETS order), line."""
    order = pc.index_in(table.column("market"), value_set=pa.array([m.value for m in MARKETS]))
    keyed = table.append_column("_m", order)
    keys = [("slate_date", "ascending"), ("game_id", "ascending"), ("team", "ascending"),
            ("player_id", "ascending"), ("_m", "ascending"), ("line", "ascending")]  # fmt: skip
    return keyed.sort_by(keys).drop_columns(["_m"])


def persist_snapshot(
    wh: Warehouse, priced: pa.Table, *, snapshot_ts: dt.datetime, run_id: str
) -> int:
    """Append priced rows with their snapshot instant (UTC); returns the number of new rows."""
    if priced.num_rows == 0:
        return 0
    stamped = priced.append_column(
        "snapshot_ts", pa.array([snapshot_ts] * priced.num_rows, pa.timestamp("us", tz="UTC"))
    )
    if stamped.schema.get_field_index("features") < 0:
        stamped = stamped.append_column("features", pa.nulls(priced.num_rows, pa.string()))
    bad = pc.sum(pc.invert(pc.is_finite(stamped.column("p_over")))).as_py()
    if bad:
        raise ModelError(f"{bad} snapshot row(s) have no probability; refusing to persist them")
    return wh.append(SNAPSHOT_TABLE, stamped, run_id=run_id, loaded_at=snapshot_ts)


def write_probabilities_csv(priced: pa.Table, path: Path) -> Path:
    """Write the CSV atomically (temp file + rename): CSV_COLUMNS, decimal probabilities."""
    return write_csv(path, priced.select([c for c in CSV_COLUMNS if c in priced.column_names]))


def probabilities_csv_path(settings: Settings, slate_date: dt.date) -> Path:
    return settings.output_dir / "projections" / f"probabilities_{slate_date.isoformat()}.csv"


__all__ = [
    "CARRY",
    "CSV_COLUMNS",
    "SNAPSHOT_TABLE",
    "Calibration",
    "build_snapshot",
    "features_json",
    "offered_lines",
    "persist_snapshot",
    "price",
    "probabilities_csv_path",
    "sort_snapshot",
    "write_probabilities_csv",
]
