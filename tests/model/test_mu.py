"""Base μ branches and multipliers, hand-checked (DESIGN section 5)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from propledger.errors import InputError
from propledger.model.constants import FEATURE_COLUMNS, MARKETS, Market
from propledger.model.mu import MULTIPLIERS, compute_mu, mu_for_market

NAN = float("nan")
B2B = math.exp(-0.05)
OPP_SOG = (32.0 / 30.0) ** 0.15
OPP_G = (3.0 / 2.8) ** 0.15
GOALIE = (1 - 0.2 / 2.5) ** 0.20  # 0.92 ** 0.2


def player(**overrides: float) -> dict[str, list[float]]:
    """A full first-line forward: pp_ratio = 3.5/17.5 = 0.2, proj_pp = 3.6, proj_ev = 14.4."""
    base = {
        "toi_L10": 18.0, "xg_pg_L10": 0.30, "sog_pg_L10": 2.4, "blk_pg_L10": 1.1,
        "ast_pg_L10": 0.45, "pts_pg_L10": 0.70, "corsi60_L20": 15.0, "thru_L40": 0.5,
        "ev_toi_L20": 14.0, "pp_toi_L20": 3.5, "ev_ast60": 1.2, "pp_ast60": 4.0,
        "ev_pts60": 1.8, "pp_pts60": 6.0, "ev_on_ice_xg60": 2.5, "pp_on_ice_xg60": 7.0,
        "ev_ipp_x": 0.7, "pp_ipp_x": 0.8, "opp_sa60": 32.0, "opp_xga60": 3.0,
        "goalie_gsax60": 0.2, "goalie_xga60": 2.5, "implied_team_total": NAN, "is_b2b": 0.0,
    }  # fmt: skip
    base.update(overrides)
    return {k: [v] for k, v in base.items()}


def one(market: Market, **overrides: float) -> tuple[str, float, dict[str, float], float]:
    r = mu_for_market(market, player(**overrides))
    return (
        str(r.branch[0]),
        float(r.mu_base[0]),
        {k: float(v[0]) for k, v in r.mults.items()},
        float(r.mu[0]),
    )


# ---- base branches -------------------------------------------------------------------------
def test_goals_and_blocks_are_per_game_means() -> None:
    branch, base, _, mu = one(Market.GOALS)
    assert (branch, base) == ("xg_pg", 0.30)
    assert mu == pytest.approx(0.30 * OPP_G * GOALIE, abs=1e-15)
    branch, base, _, mu = one(Market.BLOCKS)
    assert (branch, base) == ("blk_pg", 1.1)
    assert mu == pytest.approx(1.1 * OPP_SOG, abs=1e-15)


def test_sog_corsi_thru_branch_and_fallbacks() -> None:
    branch, base, _, _ = one(Market.SOG)
    assert branch == "corsi_thru" and base == pytest.approx(
        15.0 * 0.5 * 18.0 / 60, abs=1e-15
    )  # 2.25
    for missing in ("corsi60_L20", "thru_L40", "toi_L10"):
        branch, base, _, _ = one(Market.SOG, **{missing: NAN})
        assert (branch, base) == ("sog_pg", 2.4), missing
    branch, base, _, mu = one(Market.SOG, corsi60_L20=NAN, sog_pg_L10=NAN)
    assert branch == "no_data" and math.isnan(base) and math.isnan(mu)


def test_assists_split_branch() -> None:
    branch, base, _, mu = one(Market.ASSISTS)
    assert branch == "split_ast60"
    assert base == pytest.approx(1.2 * 14.4 / 60 + 4.0 * 3.6 / 60, abs=1e-15)  # 0.288 + 0.24
    assert base == pytest.approx(0.528, abs=1e-15)
    assert mu == pytest.approx(0.528 * OPP_G * GOALIE, abs=1e-15)


@pytest.mark.parametrize("pp_toi", [0.0, NAN])
def test_no_pp_time_means_pp_term_is_zero_even_without_pp_rates(pp_toi: float) -> None:
    branch, base, _, _ = one(Market.ASSISTS, pp_toi_L20=pp_toi, pp_ast60=NAN)
    assert branch == "split_ast60" and base == pytest.approx(1.2 * 18.0 / 60, abs=1e-15)
    branch, base, _, _ = one(Market.POINTS, pp_toi_L20=pp_toi, pp_ipp_x=NAN, pp_on_ice_xg60=NAN)
    assert branch == "split_ipp" and base == pytest.approx(0.7 * 2.5 * 18.0 / 60, abs=1e-15)


def test_only_pp_time_means_ev_term_is_zero() -> None:
    branch, base, _, _ = one(Market.ASSISTS, ev_toi_L20=0.0, ev_ast60=NAN)
    assert branch == "split_ast60" and base == pytest.approx(4.0 * 18.0 / 60, abs=1e-15)


@pytest.mark.parametrize(
    "overrides",
    [
        {"ev_toi_L20": NAN},  # no split TOI
        {"ev_toi_L20": 0.0, "pp_toi_L20": 0.0},  # ev + pp = 0
        {"pp_ast60": NAN},  # PP minutes but no PP rate: never guess
        {"ev_ast60": NAN},
        {"toi_L10": NAN},
    ],
)
def test_assists_fall_back_to_per_game(overrides: dict[str, float]) -> None:
    branch, base, _, _ = one(Market.ASSISTS, **overrides)
    assert (branch, base) == ("ast_pg", 0.45)


def test_points_ipp_branch() -> None:
    branch, base, _, _ = one(Market.POINTS)
    assert branch == "split_ipp"
    assert base == pytest.approx(0.7 * 2.5 * 14.4 / 60 + 0.8 * 7.0 * 3.6 / 60, abs=1e-15)
    assert base == pytest.approx(0.756, abs=1e-15)


@pytest.mark.parametrize(
    "overrides",
    [{"ev_ipp_x": 0.0}, {"ev_on_ice_xg60": 0.0}, {"ev_ipp_x": NAN}, {"pp_ipp_x": NAN}],
)
def test_points_pts60_branch(overrides: dict[str, float]) -> None:
    branch, base, _, _ = one(Market.POINTS, **overrides)
    assert branch == "split_pts60"
    assert base == pytest.approx((1.8 * 14.4 + 6.0 * 3.6) / 60, abs=1e-15)  # 0.792


def test_points_pp_term_is_zero_without_pp_on_ice_xg() -> None:
    # ipp_x = Σpts/Σxg is 0/0 with no PP on-ice xG: the term's limit min(2·xG, pts)/TOI is 0
    branch, base, _, _ = one(Market.POINTS, pp_on_ice_xg60=0.0, pp_ipp_x=NAN)
    assert branch == "split_ipp" and base == pytest.approx(0.7 * 2.5 * 14.4 / 60, abs=1e-15)


def test_points_fall_back_to_per_game() -> None:
    assert one(Market.POINTS, ev_toi_L20=NAN)[:2] == ("pts_pg", 0.70)
    assert one(Market.POINTS, ev_ipp_x=0.0, ev_pts60=NAN)[:2] == ("pts_pg", 0.70)
    branch, _, _, mu = one(Market.POINTS, ev_toi_L20=NAN, pts_pg_L10=NAN)
    assert branch == "no_data" and math.isnan(mu)


# ---- multipliers -----------------------------------------------------------------------------
def test_multiplier_values_hand_checked() -> None:
    _, _, m, _ = one(Market.GOALS, implied_team_total=3.5, is_b2b=1.0)
    assert m["mult_opp_g"] == pytest.approx(1.0104026661145724, abs=1e-12)  # (3/2.8)^0.15
    assert m["mult_goalie"] == pytest.approx(0.9834619583314298, abs=1e-12)  # 0.92^0.2
    assert m["mult_itt"] == pytest.approx(math.sqrt(3.5 / 3), abs=1e-15)
    assert m["mult_b2b"] == pytest.approx(0.951229424500714, abs=1e-12)  # e^-0.05
    assert m["mult_opp_sog"] == 1.0  # not a GOALS multiplier
    _, _, m, _ = one(Market.SOG)
    assert m["mult_opp_sog"] == pytest.approx(1.0097277884799631, abs=1e-12)  # (32/30)^0.15


def test_goalie_floor_and_clamp() -> None:
    _, _, m, _ = one(Market.GOALS, goalie_gsax60=2.4, goalie_xga60=2.5)  # 1 − 0.96 → floor 0.1
    assert m["mult_goalie"] == pytest.approx(0.1**0.2, abs=1e-15)  # 0.631, above the 0.5 clamp
    _, _, m, _ = one(Market.GOALS, goalie_gsax60=-20.0, goalie_xga60=2.0)  # 11^0.2 = 1.615
    assert m["mult_goalie"] == 1.5
    _, _, m, _ = one(Market.GOALS, goalie_gsax60=-0.5, goalie_xga60=2.5)
    assert m["mult_goalie"] == pytest.approx(1.2**0.2, abs=1e-15)


@pytest.mark.parametrize(
    "overrides",
    [
        {
            "opp_sa60": NAN,
            "opp_xga60": NAN,
            "goalie_gsax60": NAN,
            "implied_team_total": NAN,
            "is_b2b": NAN,
        },
        {
            "opp_sa60": 0.0,
            "opp_xga60": -1.0,
            "goalie_xga60": 0.0,
            "implied_team_total": 0.0,
            "is_b2b": 0.0,
        },
    ],
)
def test_missing_or_non_positive_inputs_give_one(overrides: dict[str, float]) -> None:
    for market in MARKETS:
        _, base, m, mu = one(market, **overrides)
        assert m == {k: 1.0 for k in MULTIPLIERS}
        assert mu == base


def test_one_missing_goalie_input_only_drops_the_goalie_multiplier() -> None:
    _, base, m, mu = one(Market.ASSISTS, goalie_xga60=NAN)
    assert m["mult_goalie"] == 1.0 and m["mult_opp_g"] == pytest.approx(OPP_G, abs=1e-15)
    assert mu == pytest.approx(base * OPP_G, abs=1e-15)


def test_b2b_applies_to_every_market_and_mu_is_the_product() -> None:
    for market in MARKETS:
        _, base, m, mu = one(market, is_b2b=1.0, implied_team_total=2.5)
        assert m["mult_b2b"] == B2B
        product = base
        for name in MULTIPLIERS:
            product *= m[name]
        assert mu == product
    applies = {
        market: {k for k, v in one(market, implied_team_total=2.5)[2].items() if v != 1.0}
        for market in MARKETS
    }
    assert applies[Market.SOG] == applies[Market.BLOCKS] == {"mult_opp_sog"}
    for market in (Market.GOALS, Market.ASSISTS, Market.POINTS):
        assert applies[market] == {"mult_opp_g", "mult_goalie", "mult_itt"}


# ---- the long Arrow table ---------------------------------------------------------------------
def _table(n: int, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {
        "player_id": pa.array(np.arange(n) + 8_400_000),
        "game_id": pa.array([2025020701] * n),
    }
    for name in FEATURE_COLUMNS:
        values = rng.uniform(0.05, 3.0, n)
        nulls = rng.uniform(size=n) < 0.15
        cols[name] = pa.array(values, mask=nulls)
    cols["is_b2b"] = pa.array(rng.integers(0, 2, n).astype(bool))
    return pa.table(cols)


def test_compute_mu_long_table_matches_per_market_results() -> None:
    table = _table(50)
    out = compute_mu(table)
    assert out.num_rows == 50 * len(MARKETS)
    assert out.column_names[:3] == ["player_id", "game_id", "row"]
    assert set(MULTIPLIERS) <= set(out.column_names)
    assert out.column("market").to_pylist()[::50] == [m.value for m in MARKETS]
    assert out.column("player_id").to_pylist()[50:53] == [8_400_000, 8_400_001, 8_400_002]
    for i, market in enumerate(MARKETS):
        single = mu_for_market(market, table)
        chunk = out.slice(i * 50, 50)
        np.testing.assert_array_equal(chunk.column("mu").to_numpy(), single.mu)
        assert chunk.column("branch").to_pylist() == single.branch.tolist()
    # nulls are missing: a row with xg_pg_L10 null has no GOALS μ
    xg_null = np.asarray(table.column("xg_pg_L10").is_null())
    goals = out.slice(0, 50)
    assert np.isnan(goals.column("mu").to_numpy()[xg_null]).all()


def test_dict_input_with_optional_itt_absent_and_missing_column_error() -> None:
    feats = {k: v for k, v in player().items() if k != "implied_team_total"}
    assert mu_for_market(Market.GOALS, feats).mults["mult_itt"][0] == 1.0
    del feats["thru_L40"]
    with pytest.raises(InputError, match="thru_L40"):
        compute_mu(feats)


def test_compute_mu_on_a_subset_of_markets_with_dict_carry() -> None:
    feats: dict[str, Any] = player() | {"player_id": [7]}
    out = compute_mu(feats, [Market.SOG, "BLOCKS"])
    assert out.column("market").to_pylist() == ["SOG", "BLOCKS"]
    assert out.column("player_id").to_pylist() == [7, 7]
    assert out.column("proj_pp").to_pylist() == pytest.approx([3.6, 3.6], abs=1e-15)
