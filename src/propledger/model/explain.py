"""The player walkthrough behind ``propledger prob --player NAME --date D``.

It recomputes one player's slate row through the production path (``features.slate_features``
→ ``mu.compute_mu`` → the calculator in ``commands/prob.py``), so every number it prints is the
number the snapshot publishes, and shows how each one is made: the feature values with units,
the base-μ branch and its formula, each multiplier with its input, the distribution, the
calibration and the final probabilities.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from propledger.clock import Clock, parse_date, slate_date
from propledger.errors import InputError
from propledger.evidence.warehouse import Warehouse
from propledger.model.constants import FEATURE_COLUMNS, STANDARD_LINES, Market
from propledger.model.features import slate_features
from propledger.model.mu import MARKET_MULTIPLIERS, MULTIPLIERS, compute_mu
from propledger.odds.normalize import fold, player_match_key
from propledger.settings import Settings

#: Units and meaning of every feature (per game, per 60 minutes of the situation, minutes).
FEATURE_HELP: Mapping[str, str] = {
    "toi_L10": "min/game, all situations, last 10 games",
    "xg_pg_L10": "individual xG per game, last 10",
    "sog_pg_L10": "shots on goal per game, last 10",
    "blk_pg_L10": "blocked shots per game, last 10",
    "ast_pg_L10": "assists per game, last 10",
    "pts_pg_L10": "points per game, last 10",
    "corsi60_L20": "shot attempts per 60 (mean attempts L20 / toi_L10 × 60)",
    "thru_L40": "share of attempts on goal, last 40",
    "ev_toi_L20": "5on5 min/game, last 20",
    "pp_toi_L20": "5on4 min/game, last 20",
    "ev_ast60": "5on5 assists per 60, last 40",
    "pp_ast60": "5on4 assists per 60, last 20",
    "ev_pts60": "5on5 points per 60, last 40",
    "pp_pts60": "5on4 points per 60, last 20",
    "ev_on_ice_xg60": "5on5 on-ice xG for per 60, last 40",
    "pp_on_ice_xg60": "5on4 on-ice xG for per 60, last 20",
    "ev_ipp_x": "5on5 points / on-ice xG (≤ 2), last 40",
    "pp_ipp_x": "5on4 points / on-ice xG (≤ 2), last 20",
    "opp_sa60": "opponent shots against per 60, its last 10 games",
    "opp_xga60": "opponent xG against per 60, its last 10 games",
    "goalie_gsax60": "opposing goalie goals saved above xG per 60, last 10",
    "goalie_xga60": "opposing goalie xG against per 60, last 10",
    "implied_team_total": "goals (no source wired yet)",
    "is_b2b": "1 = the team played yesterday",
}

BRANCH_FORMULA: Mapping[str, str] = {
    "xg_pg": "xg_pg_L10",
    "blk_pg": "blk_pg_L10",
    "corsi_thru": "corsi60_L20 × thru_L40 × proj_toi / 60",
    "sog_pg": "sog_pg_L10 (no corsi/thru)",
    "split_ast60": "ev_ast60 × proj_ev / 60 + pp_ast60 × proj_pp / 60",
    "ast_pg": "ast_pg_L10 (no EV/PP split)",
    "split_ipp": "ev_ipp_x × ev_on_ice_xg60 × proj_ev / 60 + pp_ipp_x × pp_on_ice_xg60 × proj_pp / 60",
    "split_pts60": "(ev_pts60 × proj_ev + pp_pts60 × proj_pp) / 60",
    "pts_pg": "pts_pg_L10 (no EV/PP split)",
    "no_data": "no usable history",
}

MULTIPLIER_FORMULA: Mapping[str, str] = {
    "mult_opp_sog": "(opp_sa60 / 30)^0.15",
    "mult_opp_g": "(opp_xga60 / 2.8)^0.15",
    "mult_goalie": "clamp(max(0.1, 1 − gsax60 / xga60)^0.20, 0.5, 1.5)",
    "mult_itt": "(implied_team_total / 3)^0.5",
    "mult_b2b": "exp(−0.05) on a back-to-back",
}


#: The features each multiplier reads (missing input → multiplier 1).
MULTIPLIER_INPUTS: Mapping[str, tuple[str, ...]] = {
    "mult_opp_sog": ("opp_sa60",),
    "mult_opp_g": ("opp_xga60",),
    "mult_goalie": ("goalie_gsax60", "goalie_xga60"),
    "mult_itt": ("implied_team_total",),
    "mult_b2b": ("is_b2b",),
}


def _match(names: list[str], query: str) -> list[int]:
    """Indexes of the players whose name equals ``query`` once folded (case, accents, ``ø``/``ß``,
    apostrophes and hyphens: :func:`~propledger.odds.normalize.fold`, the mapping's folding),
    else whose match key equals it (Jr./Sr. dropped, "Last, First" turned round), else whose
    folded name contains it ("krejci" finds "Ondřej Krejčí")."""
    q = fold(query)
    if not q:
        return []
    folded = [fold(n or "") for n in names]
    exact = [i for i, n in enumerate(folded) if n == q]
    if exact:
        return exact
    key = player_match_key(query)
    keyed = [i for i, n in enumerate(names) if key and player_match_key(n or "") == key]
    return keyed or [i for i, n in enumerate(folded) if q in n]


@dataclass(frozen=True)
class Walkthrough:
    """One player's μ for one market on one slate, with everything that made it."""

    market: Market
    row: Mapping[str, Any]  # the feature row (KEY + FEATURE + CONTEXT columns)
    mu: Mapping[str, Any]  # the compute_mu row: branch, mu_base, proj_*, multipliers, mu
    lines: tuple[float, ...]


def find_player(
    features: pa.Table, slate_date: dt.date, *, name: str | None, player_id: int | None
) -> int:
    """The row index of the player on the slate; InputError naming candidates otherwise."""
    ids = features.column("player_id").to_pylist()
    if player_id is not None:
        if player_id not in ids:
            raise InputError(
                f"player id {player_id} is not on the {slate_date} slate (no game that day, or "
                f"no game in the last 30 days); check --date"
            )
        return int(ids.index(player_id))
    if not name:
        raise InputError("give --player NAME (or --player-id ID)")
    names = features.column("player_name").to_pylist()
    hits = _match(names, name)
    if not hits:
        raise InputError(
            f"no skater matching {name!r} on the {slate_date} slate; check the spelling or --date"
        )
    if len(hits) > 1:
        teams = features.column("team").to_pylist()
        listed = "; ".join(f"{names[i]} ({teams[i]}, id {ids[i]})" for i in hits[:10])
        more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
        raise InputError(
            f"{name!r} matches {len(hits)} players on the {slate_date} slate: {listed}{more}; "
            "pass --player-id"
        )
    return hits[0]


def explain_player(
    wh: Warehouse,
    market: Market,
    slate_date: dt.date,
    *,
    name: str | None = None,
    player_id: int | None = None,
    lines: list[float] | None = None,
    offered: list[float] | None = None,
) -> Walkthrough:
    """Features and μ of one player on ``slate_date`` (ET) for ``market``."""
    features = slate_features(wh, slate_date)
    i = find_player(features, slate_date, name=name, player_id=player_id)
    one = features.slice(i, 1)
    mu = compute_mu(one, [market]).to_pylist()[0]
    if not math.isfinite(mu["mu"]):
        who = f"{one.column('player_name')[0]} (id {one.column('player_id')[0]})"
        raise InputError(f"{who} has no usable history for {market.value}; nothing to explain")
    chosen = lines or sorted(set(STANDARD_LINES[market]) | set(offered or []))
    return Walkthrough(market, one.to_pylist()[0], mu, tuple(float(x) for x in chosen))


def player_walkthrough(
    settings: Settings,
    market: Market,
    *,
    name: str | None,
    player_id: int | None,
    date: str | None,
    lines: list[float] | None,
    clock: Clock,
) -> Walkthrough:
    """The command's entry: open the warehouse, default the date to today (ET), add the lines
    books offered this player (captured up to now) to the standard ladder."""
    from propledger.model.snapshot import offered_lines

    day = parse_date(date, what="--date") if date else slate_date(clock.now())
    with Warehouse.open(settings.warehouse_path) as wh:
        offered = offered_lines(wh, day, clock.now()).to_pylist()
        w = explain_player(wh, market, day, name=name, player_id=player_id, lines=lines)
    mine = [o["line"] for o in offered
            if o["player_id"] == w.row["player_id"] and o["market"] == market.value]  # fmt: skip
    if lines or not mine:
        return w
    return Walkthrough(w.market, w.row, w.mu, tuple(sorted(set(w.lines) | set(mine))))


def walkthrough_json(w: Walkthrough) -> dict[str, Any]:
    """JSON-safe features, context and μ parts (NaN → null, dates → ISO)."""

    def safe(v: Any) -> Any:
        if isinstance(v, float) and math.isnan(v):
            return None
        return v.isoformat() if isinstance(v, dt.date) else v

    return {k: safe(v) for k, v in {**w.row, **w.mu}.items() if k != "row"}


def _num(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def render_walkthrough(w: Walkthrough) -> str:
    """The human-readable explanation (the probability table is appended by the command)."""
    r, m = w.row, w.mu
    out = [
        f"{r['player_name']} ({r['team']}, id {r['player_id']}) vs {r['opponent']} — "
        f"game {r['game_id']}, slate {r['slate_date']} (ET)",
        f"history: {r['games_L10']} game(s) in the L10 window, {r['games_L40']} in L40; "
        f"last game {r['last_game_day']}",
        "features (strictly before the slate date):",
    ]
    for name in FEATURE_COLUMNS:
        out.append(f"  {name:<19} {_num(r.get(name)):>10}   {FEATURE_HELP[name]}")
    if r.get("opp_goalie_id") is not None:
        role = "backup (rank 1 played yesterday)" if r.get("opp_goalie_backup") else "rank 1 by TOI"
        who = r.get("opp_goalie_name") or "unnamed"
        out.append(f"opposing goalie: {who} (id {r['opp_goalie_id']}), {role}")
    else:
        out.append("opposing goalie: none found (no goalie of the opponent in the last 14 days)")
    out.append(
        f"projected minutes: toi {_num(m['proj_toi'])}, EV {_num(m['proj_ev'])}, "
        f"PP {_num(m['proj_pp'])}"
    )
    out.append(
        f"base μ ({w.market.value}, branch {m['branch']}): {BRANCH_FORMULA.get(m['branch'], '')} "
        f"= {_num(m['mu_base'], 6)}"
    )
    applied = MARKET_MULTIPLIERS[w.market]
    for name in MULTIPLIERS:
        if name in applied:
            inputs = MULTIPLIER_INPUTS[name]
            shown = ", ".join(f"{i} {_num(r.get(i))}" for i in inputs)
            missing = any(_num(r.get(i)) == "missing" for i in inputs)
            note = f"{MULTIPLIER_FORMULA[name]} with {shown}" + (" → 1" if missing else "")
            out.append(f"  × {name:<13} {m[name]:.6f}   {note}")
    skipped = [n for n in MULTIPLIERS if n not in applied]
    if skipped:
        out.append(f"  (not applied to {w.market.value}: {', '.join(skipped)})")
    out.append(f"μ = {_num(m['mu'], 6)} expected {w.market.value.lower()} per game")
    return "\n".join(out)


__all__ = [
    "BRANCH_FORMULA",
    "FEATURE_HELP",
    "MULTIPLIER_FORMULA",
    "Walkthrough",
    "explain_player",
    "find_player",
    "player_walkthrough",
    "render_walkthrough",
    "walkthrough_json",
]
