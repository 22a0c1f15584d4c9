"""Phase 10 constants: markets, distributions, α, lines, clipping bounds, the feature contract.

Everything here is part of the FROZEN model (DESIGN section 5): changing a value changes every
probability and needs a reviewed golden update with a before/after accuracy report. The
version string below is recorded on every probability row and every calibrator artifact.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from types import MappingProxyType

#: Recorded on every probability row; bump it with any change to the math in this package.
MODEL_VERSION = "phase10-1"


class Market(enum.StrEnum):
    """The five player-prop markets, each a per-game count."""

    GOALS = "GOALS"
    ASSISTS = "ASSISTS"
    POINTS = "POINTS"
    SOG = "SOG"
    BLOCKS = "BLOCKS"


class Distribution(enum.StrEnum):
    POISSON = "poisson"
    NB2 = "nb2"  # negative binomial, variance μ + αμ²


#: Canonical market order (reports, tables, the CLI).
MARKETS: tuple[Market, ...] = tuple(Market)

MARKET_DISTRIBUTION: Mapping[Market, Distribution] = MappingProxyType(
    {
        Market.GOALS: Distribution.POISSON,
        Market.ASSISTS: Distribution.POISSON,
        Market.POINTS: Distribution.POISSON,
        Market.SOG: Distribution.NB2,
        Market.BLOCKS: Distribution.NB2,
    }
)

#: NB2 over-dispersion α (variance = μ + αμ²); Poisson markets have none.
NB2_ALPHA: Mapping[Market, float] = MappingProxyType({Market.SOG: 0.35, Market.BLOCKS: 0.60})

#: The line each market is judged on first (accuracy gate, reports).
PRIMARY_LINES: Mapping[Market, float] = MappingProxyType(
    {
        Market.GOALS: 0.5,
        Market.ASSISTS: 0.5,
        Market.POINTS: 0.5,
        Market.SOG: 2.5,
        Market.BLOCKS: 1.5,
    }
)

#: Half lines priced for every player even when no book offers them (0.5 … k + 0.5).
STANDARD_LINES: Mapping[Market, tuple[float, ...]] = MappingProxyType(
    {
        Market.GOALS: (0.5, 1.5, 2.5),
        Market.ASSISTS: (0.5, 1.5, 2.5),
        Market.POINTS: (0.5, 1.5, 2.5, 3.5),
        Market.SOG: (0.5, 1.5, 2.5, 3.5, 4.5, 5.5),
        Market.BLOCKS: (0.5, 1.5, 2.5, 3.5),
    }
)

#: Every model probability is clipped to [P_MIN, P_MAX].
P_MIN = 1e-6
P_MAX = 1.0 - 1e-6
#: Accuracy metrics clip at this bound (log loss), never at P_MIN.
LOGLOSS_EPS = 1e-15
#: Platt scaling reads logit(clip(p, CAL_LOGIT_EPS, 1 − CAL_LOGIT_EPS)).
CAL_LOGIT_EPS = 1e-10
#: Calibrators are fitted on settled rows of this line only (k = 1).
CALIBRATION_LINE = 0.5
#: Markets with a calibrator.
CALIBRATED_MARKETS: tuple[Market, ...] = (Market.ASSISTS, Market.POINTS)

# ---- multipliers (DESIGN section 5) ---------------------------------------------------------
OPP_SA60_REF = 30.0  # league-average shots against per 60
OPP_XGA60_REF = 2.8  # league-average expected goals against per 60
OPP_EXPONENT = 0.15
GOALIE_FLOOR = 0.1
GOALIE_EXPONENT = 0.20
GOALIE_CLAMP = (0.5, 1.5)
ITT_REF = 3.0  # goals
ITT_EXPONENT = 0.5
B2B_MULTIPLIER = math.exp(-0.05)

#: The feature contract: columns ``model.features`` produces and ``model.mu`` reads (NaN or
#: null = missing). Units: minutes per game (toi, ev/pp toi), per game (``*_pg``), per 60
#: minutes (``*60``), ratios (thru, ipp_x), goals (implied team total), 0/1 (is_b2b).
FEATURE_COLUMNS: tuple[str, ...] = (
    "toi_L10",
    "xg_pg_L10",
    "sog_pg_L10",
    "blk_pg_L10",
    "ast_pg_L10",
    "pts_pg_L10",
    "corsi60_L20",
    "thru_L40",
    "ev_toi_L20",
    "pp_toi_L20",
    "ev_ast60",
    "pp_ast60",
    "ev_pts60",
    "pp_pts60",
    "ev_on_ice_xg60",
    "pp_on_ice_xg60",
    "ev_ipp_x",
    "pp_ipp_x",
    "opp_sa60",
    "opp_xga60",
    "goalie_gsax60",
    "goalie_xga60",
    "implied_team_total",
    "is_b2b",
)
#: Contract columns a caller may leave out (read as all-missing): no source is wired yet.
OPTIONAL_FEATURES: frozenset[str] = frozenset({"implied_team_total"})


def parse_market(text: str) -> Market:
    """``"sog"`` → ``Market.SOG``; anything else raises a one-line InputError."""
    from propledger.errors import InputError

    try:
        return Market(text.strip().upper())
    except ValueError:
        raise InputError(
            f"unknown market {text!r}; use one of {', '.join(m.value for m in MARKETS)}"
        ) from None


__all__ = [
    "B2B_MULTIPLIER",
    "CALIBRATED_MARKETS",
    "CALIBRATION_LINE",
    "CAL_LOGIT_EPS",
    "FEATURE_COLUMNS",
    "GOALIE_CLAMP",
    "GOALIE_EXPONENT",
    "GOALIE_FLOOR",
    "ITT_EXPONENT",
    "ITT_REF",
    "LOGLOSS_EPS",
    "MARKETS",
    "MARKET_DISTRIBUTION",
    "MODEL_VERSION",
    "NB2_ALPHA",
    "OPP_EXPONENT",
    "OPP_SA60_REF",
    "OPP_XGA60_REF",
    "OPTIONAL_FEATURES",
    "PRIMARY_LINES",
    "P_MAX",
    "P_MIN",
    "STANDARD_LINES",
    "Distribution",
    "Market",
    "parse_market",
]
