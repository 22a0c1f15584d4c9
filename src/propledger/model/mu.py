"""Base μ, multipliers and final μ per market (DESIGN section 5, frozen).

Input: the feature contract (``constants.FEATURE_COLUMNS``) as an Arrow table or a mapping of
equal-length arrays; NaN or null means missing. Output: :func:`mu_for_market` gives numpy
arrays for one market; :func:`compute_mu` gives one long Arrow table (rows × markets) with
the base, every multiplier, μ and the branch, for the snapshot and the "why" walkthrough.

Definitions beyond the DESIGN text (documented in docs/model.md):

* "exists" means finite (not NaN/null). ``pp_toi_L20`` missing is read as 0 minutes.
* Split TOI exists when ``toi_L10`` and ``ev_toi_L20`` exist and ev + pp TOI > 0; then
  pp_ratio = pp/(ev + pp), proj_pp = toi_L10·pp_ratio, proj_ev = toi_L10 − proj_pp.
* A split term rate·minutes/60 is 0 when its projected minutes are 0 (its rate is not needed,
  so a player without PP time needs no PP rates); with minutes > 0 it needs finite rates, and
  a missing rate makes the whole split branch unavailable (we fall back, never guess).
* In the ipp branch, on-ice xG60 = 0 makes the term 0 even when ipp_x is undefined (0/0):
  ipp_x·xG60 = min(2·xG, points)/TOI, whose value at xG = 0 is 0.
* A multiplier whose input is missing or not positive (a rate or a total ≤ 0) is 1.0;
  ``is_b2b`` is true when it equals 1 (missing = not a back-to-back).
* Multipliers that do not apply to a market are 1.0, so μ = mu_base × mult_opp_sog ×
  mult_opp_g × mult_goalie × mult_itt × mult_b2b (in that order) on every row.
* A market with no usable base (e.g. no games at all) gets μ = NaN and branch ``no_data``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from propledger.errors import InputError
from propledger.model.constants import (
    B2B_MULTIPLIER,
    FEATURE_COLUMNS,
    GOALIE_CLAMP,
    GOALIE_EXPONENT,
    GOALIE_FLOOR,
    ITT_EXPONENT,
    ITT_REF,
    MARKETS,
    OPP_EXPONENT,
    OPP_SA60_REF,
    OPP_XGA60_REF,
    OPTIONAL_FEATURES,
    Market,
)

FloatArray = npt.NDArray[np.float64]
Features = Mapping[str, FloatArray]
MULTIPLIERS: tuple[str, ...] = ("mult_opp_sog", "mult_opp_g", "mult_goalie", "mult_itt", "mult_b2b")
NO_DATA = "no_data"

#: Branch names per market, most specific first (recorded in the ``branch`` column).
BRANCHES: Mapping[Market, tuple[str, ...]] = {
    Market.GOALS: ("xg_pg", NO_DATA),
    Market.ASSISTS: ("split_ast60", "ast_pg", NO_DATA),
    Market.POINTS: ("split_ipp", "split_pts60", "pts_pg", NO_DATA),
    Market.SOG: ("corsi_thru", "sog_pg", NO_DATA),
    Market.BLOCKS: ("blk_pg", NO_DATA),
}
#: Which multipliers act on which market.
MARKET_MULTIPLIERS: Mapping[Market, frozenset[str]] = {
    Market.GOALS: frozenset({"mult_opp_g", "mult_goalie", "mult_itt", "mult_b2b"}),
    Market.ASSISTS: frozenset({"mult_opp_g", "mult_goalie", "mult_itt", "mult_b2b"}),
    Market.POINTS: frozenset({"mult_opp_g", "mult_goalie", "mult_itt", "mult_b2b"}),
    Market.SOG: frozenset({"mult_opp_sog", "mult_b2b"}),
    Market.BLOCKS: frozenset({"mult_opp_sog", "mult_b2b"}),
}


def feature_arrays(features: pa.Table | Mapping[str, npt.ArrayLike]) -> dict[str, FloatArray]:
    """The contract columns as float64 arrays (null → NaN); InputError if any is absent."""
    names = features.column_names if isinstance(features, pa.Table) else list(features)
    missing = [c for c in FEATURE_COLUMNS if c not in names and c not in OPTIONAL_FEATURES]
    if missing:
        raise InputError(
            f"features lack column(s) {', '.join(missing)}; see the feature contract in docs/model.md"
        )
    out: dict[str, FloatArray] = {}
    length: int | None = None
    for name in FEATURE_COLUMNS:
        if name not in names:
            continue
        if isinstance(features, pa.Table):
            col = pc.cast(features.column(name), pa.float64())
            arr = np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)
        else:
            arr = np.asarray(features[name], dtype=np.float64).reshape(-1)
        if length is not None and arr.shape[0] != length:
            raise InputError(f"feature {name} has {arr.shape[0]} values, expected {length}")
        length = arr.shape[0]
        out[name] = arr
    for name in OPTIONAL_FEATURES:
        out.setdefault(name, np.full(length or 0, np.nan))
    return out


@dataclass(frozen=True, eq=False)
class SplitToi:
    """Projected minutes (all situations, even strength, power play) per player."""

    ok: npt.NDArray[np.bool_]
    proj_toi: FloatArray
    proj_ev: FloatArray
    proj_pp: FloatArray


def split_toi(f: Features) -> SplitToi:
    proj_toi = f["toi_L10"]
    ev = f["ev_toi_L20"]
    pp = np.where(np.isnan(f["pp_toi_L20"]), 0.0, f["pp_toi_L20"])
    total = ev + pp
    ok = np.isfinite(proj_toi) & np.isfinite(ev) & (total > 0)
    ratio = np.divide(pp, total, out=np.zeros_like(total), where=ok)
    proj_pp = np.where(ok, proj_toi * ratio, np.nan)
    proj_ev = np.where(ok, proj_toi - proj_pp, np.nan)
    return SplitToi(ok, proj_toi, proj_ev, proj_pp)


def _term(minutes: FloatArray, *rates: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """rate₁·rate₂·…·minutes/60, 0 when minutes = 0; ok = computable (rates finite if needed)."""
    product = np.ones_like(minutes)
    finite = np.ones(minutes.shape, dtype=bool)
    for rate in rates:
        product = product * rate
        finite &= np.isfinite(rate)
    zero = minutes == 0
    value = np.where(zero, 0.0, product * minutes / 60.0)
    return value, zero | (finite & np.isfinite(minutes))


def _ipp_term(
    minutes: FloatArray, ipp: FloatArray, xg60: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """ipp_x·on-ice xG60·minutes/60, with xG60 = 0 → 0 whatever ipp_x is."""
    value, ok = _term(minutes, ipp, xg60)
    no_xg = xg60 == 0
    return np.where(no_xg, 0.0, value), ok | (no_xg & np.isfinite(minutes))


def _choose(
    candidates: Sequence[tuple[str, FloatArray, npt.NDArray[np.bool_]]], n: int
) -> tuple[FloatArray, npt.NDArray[np.str_]]:
    """The first candidate that is usable per row (value, usable mask); NaN/no_data otherwise."""
    base = np.full(n, np.nan)
    branch = np.full(n, NO_DATA, dtype=object)
    taken = np.zeros(n, dtype=bool)
    for name, value, usable in candidates:
        pick = usable & ~taken & np.isfinite(value)
        base = np.where(pick, value, base)
        branch = np.where(pick, name, branch)
        taken |= pick
    return base, branch.astype(str)


def base_mu(market: Market, f: Features) -> tuple[FloatArray, npt.NDArray[np.str_]]:
    """Base μ (per game) and the branch used, per player."""
    n = len(f["toi_L10"])
    always = np.ones(n, dtype=bool)
    if market is Market.GOALS:
        return _choose([("xg_pg", f["xg_pg_L10"], always)], n)
    if market is Market.BLOCKS:
        return _choose([("blk_pg", f["blk_pg_L10"], always)], n)
    if market is Market.SOG:
        corsi_thru = f["corsi60_L20"] * f["thru_L40"] * f["toi_L10"] / 60.0
        return _choose([("corsi_thru", corsi_thru, always), ("sog_pg", f["sog_pg_L10"], always)], n)
    split = split_toi(f)
    if market is Market.ASSISTS:
        ev, ev_ok = _term(split.proj_ev, f["ev_ast60"])
        pp, pp_ok = _term(split.proj_pp, f["pp_ast60"])
        return _choose(
            [
                ("split_ast60", ev + pp, split.ok & ev_ok & pp_ok),
                ("ast_pg", f["ast_pg_L10"], always),
            ],
            n,
        )
    if market is Market.POINTS:
        ipp_ev, ipp_ev_ok = _ipp_term(split.proj_ev, f["ev_ipp_x"], f["ev_on_ice_xg60"])
        ipp_pp, ipp_pp_ok = _ipp_term(split.proj_pp, f["pp_ipp_x"], f["pp_on_ice_xg60"])
        use_ipp = (f["ev_ipp_x"] > 0) & (f["ev_on_ice_xg60"] > 0)
        ev, ev_ok = _term(split.proj_ev, f["ev_pts60"])
        pp, pp_ok = _term(split.proj_pp, f["pp_pts60"])
        return _choose(
            [
                ("split_ipp", ipp_ev + ipp_pp, split.ok & use_ipp & ipp_ev_ok & ipp_pp_ok),
                ("split_pts60", ev + pp, split.ok & ev_ok & pp_ok),
                ("pts_pg", f["pts_pg_L10"], always),
            ],
            n,
        )
    raise InputError(f"unknown market {market!r}")  # pragma: no cover - Market is closed


def _power(value: FloatArray, ref: float, exponent: float) -> FloatArray:
    usable = np.isfinite(value) & (value > 0)
    safe = np.where(usable, value, ref)
    return np.where(usable, (safe / ref) ** exponent, 1.0)


def multipliers(f: Features) -> dict[str, FloatArray]:
    """Every multiplier for every player (before choosing which apply to a market)."""
    gsax, xga = f["goalie_gsax60"], f["goalie_xga60"]
    goalie_ok = np.isfinite(gsax) & np.isfinite(xga) & (xga > 0)
    ratio = 1.0 - np.divide(gsax, xga, out=np.zeros_like(xga), where=goalie_ok)
    goalie = np.clip(np.maximum(GOALIE_FLOOR, ratio) ** GOALIE_EXPONENT, *GOALIE_CLAMP)
    return {
        "mult_opp_sog": _power(f["opp_sa60"], OPP_SA60_REF, OPP_EXPONENT),
        "mult_opp_g": _power(f["opp_xga60"], OPP_XGA60_REF, OPP_EXPONENT),
        "mult_goalie": np.where(goalie_ok, goalie, 1.0),
        "mult_itt": _power(f["implied_team_total"], ITT_REF, ITT_EXPONENT),
        "mult_b2b": np.where(f["is_b2b"] == 1, B2B_MULTIPLIER, 1.0),
    }


@dataclass(frozen=True, eq=False)
class MuResult:
    """One market's μ per player: μ = mu_base × Π multipliers (non-applicable ones are 1.0)."""

    market: Market
    branch: npt.NDArray[np.str_]
    mu_base: FloatArray
    mults: Mapping[str, FloatArray]
    mu: FloatArray
    proj_toi: FloatArray
    proj_ev: FloatArray
    proj_pp: FloatArray


_Prepared = tuple[dict[str, FloatArray], dict[str, FloatArray], SplitToi]


def _prepare(features: pa.Table | Mapping[str, npt.ArrayLike]) -> _Prepared:
    f = feature_arrays(features)
    return f, multipliers(f), split_toi(f)


def _market_mu(market: Market, prepared: _Prepared) -> MuResult:
    f, all_mults, split = prepared
    base, branch = base_mu(market, f)
    applied = MARKET_MULTIPLIERS[market]
    ones = np.ones_like(base)
    mults = {name: (all_mults[name] if name in applied else ones) for name in MULTIPLIERS}
    mu = base
    for name in MULTIPLIERS:  # fixed order, so golden values reproduce bit for bit
        mu = mu * mults[name]
    return MuResult(market, branch, base, mults, mu, split.proj_toi, split.proj_ev, split.proj_pp)


def mu_for_market(
    market: Market | str, features: pa.Table | Mapping[str, npt.ArrayLike]
) -> MuResult:
    """Base, multipliers and μ (expected count per game) for one market, vectorised."""
    return _market_mu(Market(market), _prepare(features))


def compute_mu(
    features: pa.Table | Mapping[str, npt.ArrayLike],
    markets: Iterable[Market | str] = MARKETS,
    *,
    carry: Sequence[str] | None = None,
) -> pa.Table:
    """Long table, one row per input row × market (market-major order).

    Columns: the ``carry`` columns (default: every non-feature column of an Arrow input, e.g.
    player_id, game_id), ``row`` (index into the input), market, branch, mu_base, proj_toi,
    proj_ev, proj_pp (minutes), the five multipliers, mu (expected count per game).
    """
    prepared = _prepare(features)
    n = len(prepared[0]["toi_L10"])
    if carry is None:
        names = features.column_names if isinstance(features, pa.Table) else list(features)
        carry = [c for c in names if c not in FEATURE_COLUMNS]
    results = [_market_mu(Market(m), prepared) for m in markets]
    index = np.tile(np.arange(n, dtype=np.int64), len(results))
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in carry:
        if isinstance(features, pa.Table):
            columns[name] = features.column(name).take(pa.array(index))
        else:
            columns[name] = pa.array(np.asarray(features[name])[index])
    columns["row"] = pa.array(index)
    columns["market"] = pa.array(np.repeat([r.market.value for r in results], n).astype(str))
    columns["branch"] = pa.array(np.concatenate([r.branch for r in results]) if results else [])

    def cat(get: str) -> pa.Array:
        parts = [getattr(r, get) for r in results]
        return pa.array(np.concatenate(parts) if parts else np.empty(0), pa.float64())

    for name in ("mu_base", "proj_toi", "proj_ev", "proj_pp"):
        columns[name] = cat(name)
    for name in MULTIPLIERS:
        parts = [r.mults[name] for r in results]
        columns[name] = pa.array(np.concatenate(parts) if parts else np.empty(0), pa.float64())
    columns["mu"] = cat("mu")
    return pa.table(columns)


__all__ = [
    "BRANCHES",
    "MARKET_MULTIPLIERS",
    "MULTIPLIERS",
    "NO_DATA",
    "MuResult",
    "SplitToi",
    "base_mu",
    "compute_mu",
    "feature_arrays",
    "mu_for_market",
    "multipliers",
    "split_toi",
]
