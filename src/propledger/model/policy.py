"""MARKET_POLICY: which probability each market publishes (DESIGN section 5, frozen).

ASSISTS and POINTS publish the calibrated p_over, GOALS, SOG and BLOCKS the raw one;
``DISABLE_CALIBRATION=1`` (``settings.disable_calibration``) forces Raw everywhere. A row whose
policy is Calibrated but whose calibrated probability is missing is an error (ModelError),
never a silent fall back to Raw.

Calibrators only speak about P(over). For a calibrated row the rest of the mass, 1 − p_over,
is split between push and under in the raw model's proportion, i.e. the raw conditional
P(X = L | X ≤ L) is kept:

    p_push = clip((1 − p_over) · push_raw / (push_raw + under_raw))   (0 on half lines)
    p_under = clip(1 − p_over − p_push)                               (1 − p_over on half lines)

with the clipping of ``distributions`` ([1e-6, 1 − 1e-6]; the sum is 1 except where the lower
clip of p_under binds, by at most 1e-6). Raw rows pass the raw triple through unchanged.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from propledger.errors import InputError, ModelError
from propledger.model.constants import P_MAX, P_MIN, Market, parse_market

FloatArray = npt.NDArray[np.float64]


class ProbSource(enum.StrEnum):
    CALIBRATED = "Calibrated"
    RAW = "Raw"


MARKET_POLICY: Mapping[Market, ProbSource] = MappingProxyType(
    {
        Market.GOALS: ProbSource.RAW,
        Market.ASSISTS: ProbSource.CALIBRATED,
        Market.POINTS: ProbSource.CALIBRATED,
        Market.SOG: ProbSource.RAW,
        Market.BLOCKS: ProbSource.RAW,
    }
)


def prob_source_for(market: Market | str, *, disable_calibration: bool = False) -> ProbSource:
    """The policy of one market, honouring DISABLE_CALIBRATION."""
    return ProbSource.RAW if disable_calibration else MARKET_POLICY[Market(market)]


def needs_calibrator(
    markets: Iterable[Market | str], *, disable_calibration: bool = False
) -> list[Market]:
    """The markets among ``markets`` whose policy needs a calibrator (load only those)."""
    seen = sorted({parse_market(str(m)) for m in markets}, key=list(Market).index)
    return [
        m
        for m in seen
        if prob_source_for(m, disable_calibration=disable_calibration) is ProbSource.CALIBRATED
    ]


@dataclass(frozen=True, eq=False)
class PolicyResult:
    """Published probabilities per row and where p_over came from."""

    p_over: FloatArray
    p_under: FloatArray
    p_push: FloatArray
    prob_source: npt.NDArray[np.str_]  # "Calibrated" | "Raw"


def apply_policy(
    market: Market | str | npt.ArrayLike,
    p_over_raw: npt.ArrayLike,
    p_under_raw: npt.ArrayLike,
    p_push_raw: npt.ArrayLike,
    p_over_cal: npt.ArrayLike | None = None,
    *,
    disable_calibration: bool = False,
) -> PolicyResult:
    """Vectorised MARKET_POLICY; ``market`` is one market or an array (one per row).

    ``p_over_cal`` may hold NaN (or be None) on Raw rows; on Calibrated rows with a finite raw
    probability it must be present, else ModelError.
    """
    over_raw = np.asarray(p_over_raw, dtype=np.float64)
    under_raw = np.asarray(p_under_raw, dtype=np.float64)
    push_raw = np.asarray(p_push_raw, dtype=np.float64)
    cal = (
        np.full(over_raw.shape, np.nan)
        if p_over_cal is None
        else np.asarray(p_over_cal, dtype=np.float64)
    )
    markets = np.asarray(market, dtype=str)
    unknown = sorted(set(np.unique(markets).tolist()) - {m.value for m in Market})
    if unknown:
        raise InputError(
            f"unknown market(s) {', '.join(unknown)}; use {', '.join(m.value for m in Market)}"
        )
    calibrated = [
        m.value for m in needs_calibrator(list(Market), disable_calibration=disable_calibration)
    ]
    use_cal = np.isin(markets, calibrated)
    use_cal = np.broadcast_to(use_cal, over_raw.shape)
    lacking = use_cal & np.isfinite(over_raw) & ~np.isfinite(cal)
    if np.any(lacking):
        which = sorted({str(m) for m in np.broadcast_to(markets, over_raw.shape)[lacking]})
        raise ModelError(
            f"{int(lacking.sum())} {'/'.join(which)} row(s) need a calibrated probability and have "
            "none; load the active calibrators (propledger model fit-calibrators) or set DISABLE_CALIBRATION=1"
        )
    rest = 1.0 - cal
    denom = push_raw + under_raw
    share = np.divide(push_raw, denom, out=np.zeros_like(denom), where=denom > 0)
    cal_push = np.where(push_raw > 0, np.clip(rest * share, P_MIN, P_MAX), 0.0)
    cal_under = np.where(push_raw > 0, np.clip(1.0 - cal - cal_push, P_MIN, P_MAX), rest)
    source = np.where(use_cal, ProbSource.CALIBRATED.value, ProbSource.RAW.value)
    return PolicyResult(
        p_over=np.where(use_cal, cal, over_raw),
        p_under=np.where(use_cal, cal_under, under_raw),
        p_push=np.where(use_cal, cal_push, push_raw),
        prob_source=source.astype(str),
    )


__all__ = [
    "MARKET_POLICY",
    "PolicyResult",
    "ProbSource",
    "apply_policy",
    "needs_calibrator",
    "prob_source_for",
]
