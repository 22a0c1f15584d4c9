"""Features on tiny hand-built warehouses: hand-checked values, windows, leakage, one path."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propledger.evidence.warehouse import Warehouse
from propledger.model.features import (
    CONTEXT_COLUMNS,
    FEATURE_COLUMNS,
    KEY_COLUMNS,
    history_features,
    slate_features,
)

JAN1 = dt.date(2026, 1, 1)
# pa.Table.from_pylist takes its columns from the first row: every row carries every stat key
STAT_KEYS = (
    "icetime",
    "xgoals",
    "sog",
    "shot_attempts",
    "blocks",
    "assists",
    "points",
    "onice_xgoals",
)


def day(n: int) -> dt.date:
    """Day n of January 2026 (day(1) = Jan 1; may run past the month)."""
    return JAN1 + dt.timedelta(days=n - 1)


@dataclass
class World:
    """A tiny warehouse builder: schedule, skater situations and goalie rows."""

    games: list[dict[str, Any]] = field(default_factory=list)
    skaters: list[dict[str, Any]] = field(default_factory=list)
    goalies: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(2025020001))

    def game(self, when: dt.date, home: str, away: str, state: str = "OK") -> int:
        gid = next(self._ids)
        self.games.append(
            {
                "game_id": gid,
                "season": 2025,
                "slate_date": when,
                "home_team": home,
                "away_team": away,
                "schedule_state": state,
            }
        )
        return gid

    def skater(
        self,
        pid: int,
        gid: int,
        team: str,
        everything: dict[str, float],
        ev: dict[str, float] | None = None,
        pp: dict[str, float] | None = None,
        *,
        name: str = "",
        position: str = "C",
    ) -> None:
        g = next(x for x in self.games if x["game_id"] == gid)
        opp = g["away_team"] if g["home_team"] == team else g["home_team"]
        for situation, stats in (("all", everything), ("5on5", ev), ("5on4", pp)):
            if stats is None:
                continue
            self.skaters.append(
                {
                    "player_id": pid,
                    "game_id": gid,
                    "situation": situation,
                    "season": 2025,
                    "game_date": g["slate_date"],
                    "player_name": name or f"Player {pid}",
                    "team": team,
                    "opp_team": opp,
                    "position": position,
                    **dict.fromkeys(STAT_KEYS),
                    **stats,
                }
            )

    def goalie(
        self, pid: int, gid: int, team: str, toi: float, xga: float, ga: int, sa: int
    ) -> None:
        g = next(x for x in self.games if x["game_id"] == gid)
        opp = g["away_team"] if g["home_team"] == team else g["home_team"]
        self.goalies.append(
            {
                "player_id": pid,
                "game_id": gid,
                "situation": "all",
                "season": 2025,
                "game_date": g["slate_date"],
                "player_name": f"Goalie {pid}",
                "team": team,
                "opp_team": opp,
                "icetime": toi,
                "xgoals_against": xga,
                "goals_against": ga,
                "shots_against": sa,
            }
        )

    def load(self, wh: Warehouse, run_id: str = "t") -> Warehouse:
        for table, rows in (
            ("dim_game", self.games),
            ("player_game_situation", self.skaters),
            ("goalie_game", self.goalies),
        ):
            if rows:
                wh.append(table, rows, run_id=run_id)
        return wh


def row_of(table: Any, player_id: int) -> dict[str, Any]:
    rows = [r for r in table.to_pylist() if r["player_id"] == player_id]
    assert len(rows) == 1, rows
    return rows[0]


def stats(**kw: float) -> dict[str, float]:
    return dict(kw)


# ---- hand-checked player features ------------------------------------------------------------
def test_every_player_feature_hand_checked(wh: Warehouse) -> None:
    w = World()
    g1, g2, g3 = (w.game(day(d), "TOR", "MTL") for d in (1, 3, 5))
    slate = w.game(day(8), "MTL", "TOR")
    w.skater(
        1,
        g1,
        "TOR",
        stats(icetime=1200, xgoals=0.3, sog=2, shot_attempts=4, blocks=1, assists=0, points=1),
        stats(icetime=900, assists=0, points=1, onice_xgoals=0.6),
        stats(icetime=180, assists=0, points=0, onice_xgoals=0.2),
    )
    w.skater(
        1,
        g2,
        "TOR",
        stats(icetime=1080, xgoals=0.5, sog=4, shot_attempts=6, blocks=0, assists=1, points=1),
        stats(icetime=840, assists=1, points=1, onice_xgoals=0.5),
        stats(icetime=120, assists=0, points=0, onice_xgoals=0.3),
    )
    w.skater(
        1,
        g3,
        "TOR",
        stats(icetime=1320, xgoals=0.1, sog=0, shot_attempts=2, blocks=2, assists=2, points=2),
        stats(icetime=960, assists=1, points=1, onice_xgoals=0.7),
        stats(icetime=300, assists=1, points=1, onice_xgoals=0.5),
    )
    f = row_of(slate_features(w.load(wh), day(8)), 1)
    expected = {
        "toi_L10": 20.0,  # (20 + 18 + 22) / 3 minutes
        "xg_pg_L10": 0.3,  # (0.3 + 0.5 + 0.1) / 3
        "sog_pg_L10": 2.0,
        "blk_pg_L10": 1.0,
        "ast_pg_L10": 1.0,
        "pts_pg_L10": 4 / 3,
        "corsi60_L20": 12.0,  # mean attempts 4 / toi_L10 20 × 60
        "thru_L40": 0.5,  # mean SOG 2 / mean attempts 4
        "ev_toi_L20": 15.0,  # (15 + 14 + 16) / 3
        "pp_toi_L20": 10 / 3,  # (3 + 2 + 5) / 3
        "ev_ast60": 8 / 3,  # 2 assists / 45 EV minutes × 60
        "ev_pts60": 4.0,  # 3 / 45 × 60
        "ev_on_ice_xg60": 2.4,  # 1.8 / 45 × 60
        "ev_ipp_x": 3 / 1.8,
        "pp_ast60": 6.0,  # 1 / 10 PP minutes × 60
        "pp_pts60": 6.0,
        "pp_on_ice_xg60": 6.0,  # 1.0 / 10 × 60
        "pp_ipp_x": 1.0,
        "is_b2b": 0.0,
    }
    for name, value in expected.items():
        assert f[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
    assert f["game_id"] == slate and f["team"] == "TOR" and f["opponent"] == "MTL"
    assert f["games_L10"] == 3 and f["last_game_day"] == day(5)
    assert math.isnan(f["implied_team_total"])  # no input wired yet
    # no goalie rows at all: opponent defence and goalie features are missing, not zero
    for name in ("opp_sa60", "opp_xga60", "goalie_gsax60", "goalie_xga60"):
        assert math.isnan(f[name]), name


def test_windows_take_the_last_10_20_40_games_only(wh: Warehouse) -> None:
    w = World()
    for i in range(1, 46):  # 45 games every other day; L10 = 36..45, L20 = 26..45, L40 = 6..45
        gid = w.game(day(2 * i - 1), "TOR", "MTL")
        w.skater(
            1,
            gid,
            "TOR",
            stats(
                icetime=1200, xgoals=i / 100, sog=1, shot_attempts=i, blocks=0, assists=0, points=0
            ),
            stats(
                icetime=6000 if i <= 5 else 600,
                assists=1 if i <= 25 else 0,
                points=0,
                onice_xgoals=0.1,
            ),
            stats(icetime=600 if i <= 25 else 120, assists=1, points=1, onice_xgoals=0.5),
        )
    w.game(day(95), "MTL", "TOR")
    f = row_of(slate_features(w.load(wh), day(95)), 1)
    assert f["games_L10"] == 10 and f["games_L40"] == 40
    assert f["toi_L10"] == pytest.approx(20.0)
    assert f["xg_pg_L10"] == pytest.approx(0.405)  # mean(36..45) / 100
    assert f["corsi60_L20"] == pytest.approx(35.5 / 20 * 60)  # mean(26..45) attempts
    assert f["thru_L40"] == pytest.approx(40 / 1020)  # Σ SOG 40 / Σ attempts 6..45 = 1020
    assert f["ev_toi_L20"] == pytest.approx(10.0)
    assert f["pp_toi_L20"] == pytest.approx(2.0)
    assert f["ev_ast60"] == pytest.approx(20 / 400 * 60)  # games 6..25 in 40 × 10 EV minutes
    assert f["pp_ast60"] == pytest.approx(20 / 40 * 60)  # 20 assists in 20 × 2 PP minutes
    assert f["ev_ipp_x"] == 0.0
    assert f["pp_ipp_x"] == pytest.approx(2.0)  # 20 / 10 = 2, capped at 2 anyway


def test_ipp_is_capped_at_two_and_missing_without_on_ice_xg(wh: Warehouse) -> None:
    w = World()
    g = w.game(day(1), "TOR", "MTL")
    w.game(day(3), "TOR", "MTL")
    w.skater(
        1,
        g,
        "TOR",
        stats(icetime=1200, xgoals=0.2, sog=1, shot_attempts=2, blocks=0, assists=2, points=3),
        stats(icetime=1000, assists=2, points=3, onice_xgoals=0.5),
    )  # no 5on4 row at all
    f = row_of(slate_features(w.load(wh), day(3)), 1)
    assert f["ev_ipp_x"] == 2.0  # 3 / 0.5 = 6 → capped
    assert f["pp_toi_L20"] == 0.0  # a missing 5on4 row is zero PP time
    for name in ("pp_ast60", "pp_pts60", "pp_on_ice_xg60", "pp_ipp_x"):
        assert math.isnan(f[name]), name  # 0 / 0 is missing, never 0


# ---- team defence, goalies, back-to-backs ------------------------------------------------------
def test_team_defence_sums_goalies_over_the_prior_10_team_games(wh: Warehouse) -> None:
    w = World()
    for i in range(1, 13):
        gid = w.game(day(2 * i - 1), "MTL", "BOS")
        if i < 12:
            w.goalie(901, gid, "MTL", 3600, 2.0 if i <= 2 else 3.0, 2, 20 + i)
        else:  # two goalies and overtime: 3000 s + 900 s
            w.goalie(901, gid, "MTL", 3000, 2.0, 3, 20)
            w.goalie(902, gid, "MTL", 900, 1.0, 0, 12)
    w.game(day(25), "MTL", "TOR")
    w.skater(
        1,
        w.game(day(22), "TOR", "BOS"),
        "TOR",
        stats(icetime=1000, xgoals=0.1, sog=1, shot_attempts=1, blocks=0, assists=0, points=0),
    )
    f = row_of(slate_features(w.load(wh), day(25)), 1)
    # games 3..12: Σ SA = 23 + … + 32 = 275, Σ xGA = 10 × 3.0 = 30, Σ TOI = 9 × 3600 + 3900 = 36300 s
    assert f["opp_sa60"] == pytest.approx(275 * 3600 / 36300, rel=1e-12)
    assert f["opp_xga60"] == pytest.approx(30 * 3600 / 36300, rel=1e-12)
    # starter by TOI over the last 10: 901 (32 400 s) over 902 (900 s); MTL rested yesterday
    assert f["opp_goalie_id"] == 901 and f["opp_goalie_backup"] is False
    # 901's last 10 games = games 3..12: xGA 9 × 3 + 2 = 29, GA 9 × 2 + 3 = 21, TOI 35 400 s
    assert f["goalie_xga60"] == pytest.approx(29 * 3600 / 35400, rel=1e-12)
    assert f["goalie_gsax60"] == pytest.approx((29 - 21) * 3600 / 35400, rel=1e-12)


def _goalie_world(yesterday_goalie: int | None, *, tor_yesterday: bool = False) -> World:
    """MTL: 901 the workhorse, 902 the backup, 903 busiest of all but gone > 14 days."""
    w = World()
    for i in range(10):  # 903: ten full games in early December
        w.goalie(
            903,
            w.game(dt.date(2025, 12, 1) + dt.timedelta(days=2 * i), "MTL", "BOS"),
            "MTL",
            3600,
            3.0,
            3,
            30,
        )
    for i, when in enumerate((2, 4, 6, 8)):  # 901 four games, 902 one
        w.goalie(901, w.game(day(when), "MTL", "BOS"), "MTL", 3600, 2.5, 2, 25 + i)
    w.goalie(902, w.game(day(10), "MTL", "NYR"), "MTL", 3600, 4.0, 1, 35)
    if yesterday_goalie is not None:
        w.goalie(yesterday_goalie, w.game(day(19), "MTL", "NYR"), "MTL", 3600, 3.0, 3, 30)
    if tor_yesterday:
        w.game(day(19), "TOR", "BOS")
    w.skater(
        1,
        w.game(day(12), "TOR", "BOS"),
        "TOR",
        stats(icetime=1000, xgoals=0.1, sog=1, shot_attempts=1, blocks=0, assists=0, points=0),
    )
    w.game(day(20), "TOR", "MTL")
    return w


@pytest.mark.parametrize(
    ("yesterday", "starter", "backup"),
    [(None, 901, False), (901, 902, True), (902, 901, False)],
    ids=["rested-rank1", "b2b-rank1-played-yesterday", "b2b-backup-played-yesterday"],
)
def test_opposing_goalie_rule(
    wh: Warehouse, yesterday: int | None, starter: int, backup: bool
) -> None:
    f = row_of(slate_features(_goalie_world(yesterday).load(wh), day(20)), 1)
    assert f["opp_goalie_id"] == starter and f["opp_goalie_backup"] is backup
    assert f["is_b2b"] == 0.0  # TOR itself did not play yesterday
    if yesterday is None:  # 901: 4 games, ΣxGA 10, ΣGA 8, 4 h
        assert f["goalie_xga60"] == pytest.approx(2.5) and f["goalie_gsax60"] == pytest.approx(0.5)
    if starter == 902:  # 902: one game, xGA 4, GA 1
        assert f["goalie_xga60"] == pytest.approx(4.0) and f["goalie_gsax60"] == pytest.approx(3.0)


def test_player_back_to_back_comes_from_the_schedule(wh: Warehouse) -> None:
    f = row_of(slate_features(_goalie_world(None, tor_yesterday=True).load(wh), day(20)), 1)
    assert f["is_b2b"] == 1.0


def test_postponed_yesterday_is_not_a_back_to_back(wh: Warehouse) -> None:
    w = _goalie_world(None)
    w.game(day(19), "TOR", "BOS", state="PPD")
    assert row_of(slate_features(w.load(wh), day(20)), 1)["is_b2b"] == 0.0


# ---- slate membership ----------------------------------------------------------------------------
def test_who_is_on_the_slate(wh: Warehouse) -> None:
    w = World()
    line = stats(icetime=900, xgoals=0.1, sog=1, shot_attempts=2, blocks=0, assists=0, points=0)
    w.skater(1, w.game(day(10), "TOR", "BOS"), "TOR", line)  # recent, TOR plays on D
    w.skater(2, w.game(dt.date(2025, 11, 20), "TOR", "BOS"), "TOR", line)  # last game > 30 days
    w.skater(3, w.game(day(11), "BOS", "SEA"), "BOS", line)  # BOS is not on D's slate
    w.skater(4, w.game(day(5), "MTL", "SEA"), "MTL", line)  # traded: MTL, then TOR
    w.skater(4, w.game(day(12), "TOR", "SEA"), "TOR", line)
    w.skater(5, w.game(day(13), "NYR", "SEA"), "NYR", line)  # NYR's game on D is postponed
    w.skater(6, w.game(day(13), "MTL", "SEA"), "MTL", line)
    w.skater(7, w.game(day(13), "TOR", "SEA"), "TOR", line, position="G")  # never a skater row
    tor_mtl = w.game(day(15), "MTL", "TOR")
    w.game(day(15), "NYR", "PHI", state="PPD")
    t = slate_features(w.load(wh), day(15))
    got = {(r["player_id"], r["team"], r["opponent"], r["game_id"]) for r in t.to_pylist()}
    assert got == {
        (1, "TOR", "MTL", tor_mtl),
        (4, "TOR", "MTL", tor_mtl),
        (6, "MTL", "TOR", tor_mtl),
    }
    assert t.column_names == [*KEY_COLUMNS, *FEATURE_COLUMNS, *CONTEXT_COLUMNS]
    assert slate_features(wh, day(16)).num_rows == 0  # no games that day


# ---- no leakage, one path -----------------------------------------------------------------------
def _season_world(seed: int, until: int = 40) -> World:
    """Four teams playing round robins with random stat lines (exercise every window)."""
    rng = np.random.default_rng(seed)
    w = World()
    teams = ["TOR", "MTL", "BOS", "NYR"]
    for d in range(1, until + 1):
        if d % 3 == 0:
            continue
        pairing = [((0, 1), (2, 3)), ((0, 2), (1, 3)), ((0, 3), (1, 2))][(d // 3) % 3]
        for a, b in pairing:
            home, away = (teams[a], teams[b]) if d % 2 else (teams[b], teams[a])
            _random_game(w, rng, w.game(day(d), home, away), home, away)
    return w


def _random_game(w: World, rng: np.random.Generator, gid: int, home: str, away: str) -> None:
    for team in (home, away):
        base = {"TOR": 100, "MTL": 200, "BOS": 300, "NYR": 400}[team]
        for pid in range(base, base + 3):
            toi = float(rng.integers(600, 1500))
            ev, pp = toi * 0.7, float(rng.integers(0, 200))
            att = int(rng.integers(0, 8))
            sog = int(rng.integers(0, att + 1))
            a, g = int(rng.integers(0, 3)), int(rng.integers(0, 2))
            w.skater(
                pid,
                gid,
                team,
                stats(
                    icetime=toi,
                    xgoals=float(rng.random()),
                    sog=sog,
                    shot_attempts=att,
                    blocks=int(rng.integers(0, 3)),
                    assists=a,
                    points=a + g,
                ),
                stats(icetime=ev, assists=a, points=a + g, onice_xgoals=float(rng.random())),
                stats(icetime=pp, assists=0, points=0, onice_xgoals=float(rng.random()) * (pp > 0)),
            )
        goalie = base + 50 + int(rng.integers(0, 2))
        w.goalie(
            goalie,
            gid,
            team,
            3600.0,
            float(rng.random() * 4),
            int(rng.integers(0, 5)),
            int(rng.integers(20, 40)),
        )


def _features_equal(a: Any, b: Any) -> None:
    assert a.num_rows == b.num_rows
    for name in (*KEY_COLUMNS, *FEATURE_COLUMNS, *CONTEXT_COLUMNS):
        left, right = a.column(name).to_pylist(), b.column(name).to_pylist()
        if name in FEATURE_COLUMNS:
            np.testing.assert_array_equal(
                np.array(left, dtype=float), np.array(right, dtype=float), err_msg=name
            )
        else:
            assert left == right, name


def test_no_feature_for_slate_d_uses_a_game_on_or_after_d(tmp_path: Any) -> None:
    d = day(28)
    clean = _season_world(7).load(Warehouse.open(":memory:"))
    before = slate_features(clean, d)
    before_hist = history_features(clean, d, d)
    assert before.num_rows > 10 and before_hist.num_rows > 10
    # Mutate every row dated ≥ D (stats, goalie lines) and add later games: nothing may move.
    w = _season_world(7)
    for row in w.skaters + w.goalies:
        if row["game_date"] >= d:
            for key in (
                "icetime",
                "xgoals",
                "sog",
                "shot_attempts",
                "assists",
                "points",
                "onice_xgoals",
                "xgoals_against",
                "goals_against",
                "shots_against",
            ):
                if row.get(key) is not None:
                    row[key] = row[key] * 3 + 1
    extra = w.game(d + dt.timedelta(days=1), "TOR", "MTL")
    w.skater(
        100,
        extra,
        "TOR",
        stats(icetime=9999, xgoals=9, sog=9, shot_attempts=9, blocks=9, assists=9, points=9),
    )
    w.goalie(250, extra, "MTL", 3600, 9.0, 9, 99)
    mutated = w.load(Warehouse.open(":memory:"))
    _features_equal(before, slate_features(mutated, d))
    _features_equal(before_hist, history_features(mutated, d, d))


def test_history_rows_equal_the_slate_rows_of_that_day() -> None:
    """The as-of path and the production path are the same computation."""
    wh = _season_world(11).load(Warehouse.open(":memory:"))
    hist = history_features(wh, day(20), day(35))
    for d in (day(20), day(29), day(35)):
        slate = slate_features(wh, d)
        that_day = hist.filter(np.array([x == d for x in hist.column("slate_date").to_pylist()]))
        assert that_day.num_rows == slate.num_rows > 0
        key = ["player_id"]
        _features_equal(
            that_day.sort_by([(k, "ascending") for k in key]),
            slate.sort_by([(k, "ascending") for k in key]),
        )


# ---- reference implementation (Hypothesis) ------------------------------------------------------
def _reference(games: list[dict[str, float]]) -> dict[str, float]:
    """Plain-Python DESIGN section 5 player features over one player's prior games (oldest first)."""

    def mean(key: str, n: int, src: str = "all") -> float:
        window = games[-n:]
        return sum(g[f"{src}_{key}"] for g in window) / len(window)

    def per60(key: str, n: int, src: str) -> float:
        toi = mean("icetime", n, src) / 60
        return mean(key, n, src) / toi * 60 if toi else math.nan

    def ipp(n: int, src: str) -> float:
        ox = sum(g[f"{src}_onice_xgoals"] for g in games[-n:])
        return min(2.0, sum(g[f"{src}_points"] for g in games[-n:]) / ox) if ox else math.nan

    toi = mean("icetime", 10) / 60
    att40 = mean("shot_attempts", 40)
    return {
        "toi_L10": toi,
        "xg_pg_L10": mean("xgoals", 10),
        "sog_pg_L10": mean("sog", 10),
        "ast_pg_L10": mean("assists", 10),
        "pts_pg_L10": mean("points", 10),
        "corsi60_L20": mean("shot_attempts", 20) / toi * 60 if toi else math.nan,
        "thru_L40": mean("sog", 40) / att40 if att40 else math.nan,
        "ev_toi_L20": mean("icetime", 20, "ev") / 60,
        "pp_toi_L20": mean("icetime", 20, "pp") / 60,
        "ev_ast60": per60("assists", 40, "ev"),
        "pp_ast60": per60("assists", 20, "pp"),
        "ev_pts60": per60("points", 40, "ev"),
        "pp_pts60": per60("points", 20, "pp"),
        "ev_on_ice_xg60": per60("onice_xgoals", 40, "ev"),
        "pp_on_ice_xg60": per60("onice_xgoals", 20, "pp"),
        "ev_ipp_x": ipp(40, "ev"),
        "pp_ipp_x": ipp(20, "pp"),
    }


_game_line = st.fixed_dictionaries(
    {
        "all_icetime": st.sampled_from([0.0, 300.0, 845.5, 1200.0]),
        "all_xgoals": st.floats(0, 2),
        "all_sog": st.integers(0, 6),
        "all_shot_attempts": st.integers(0, 9),
        "all_assists": st.integers(0, 3),
        "all_points": st.integers(0, 4),
        "ev_icetime": st.sampled_from([0.0, 400.0, 700.5]),
        "ev_assists": st.integers(0, 2),
        "ev_points": st.integers(0, 2),
        "ev_onice_xgoals": st.sampled_from([0.0, 0.25, 1.5]),
        "pp_icetime": st.sampled_from([0.0, 60.0, 150.0]),
        "pp_assists": st.integers(0, 1),
        "pp_points": st.integers(0, 2),
        "pp_onice_xgoals": st.sampled_from([0.0, 0.4]),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_game_line, min_size=1, max_size=45))
def test_sql_matches_a_plain_reference(lines: list[dict[str, float]]) -> None:
    w = World()
    for i, g in enumerate(lines):
        gid = w.game(day(2 * i + 1), "TOR", "MTL")
        w.skater(
            1,
            gid,
            "TOR",
            {k[4:]: v for k, v in g.items() if k.startswith("all_")} | {"blocks": 0},
            {k[3:]: v for k, v in g.items() if k.startswith("ev_")},
            {k[3:]: v for k, v in g.items() if k.startswith("pp_")},
        )
    w.game(day(2 * len(lines) + 2), "TOR", "MTL")
    with Warehouse.open(":memory:") as wh:
        got = row_of(slate_features(w.load(wh), day(2 * len(lines) + 2)), 1)
    for name, value in _reference(lines).items():
        if math.isnan(value):
            assert math.isnan(got[name]), name
        else:
            assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
