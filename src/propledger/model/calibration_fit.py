"""Fitting calibrators for ASSISTS and POINTS (DESIGN section 5, frozen). The artifact,
``apply`` and the artifact store are in :mod:`propledger.model.calibration`.

Fitting: settled k = 1 rows (line 0.5) of each calibrated market, split chronologically
(validation = the most recent season in the data, or a configured season or start date;
training = everything strictly before it). Two candidates are fitted on the training rows:

* isotonic: ``IsotonicRegression(out_of_bounds="clip")`` of the outcome on p_raw;
* Platt: unpenalised logistic regression of the outcome on logit(clip(p_raw, 1e-10,
  1 − 1e-10)) (sklearn ``C=inf``, the spelling of ``penalty=None`` sklearn ≥ 1.8 keeps).

The one with the lower validation log loss (p clipped to [1e-6, 1 − 1e-6]) is kept (an exact
tie keeps Platt, the simpler curve). The kept calibrator is the one fitted on the training
rows, so its recorded validation metrics describe exactly the artifact that is used.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import logit

from propledger.clock import Clock
from propledger.errors import ConfigError, InputError, ModelError
from propledger.model.accuracy import brier, log_loss
from propledger.model.calibration import (
    CalibrationMethod,
    CalibratorArtifact,
    FitWindow,
    apply,
)
from propledger.model.constants import (
    CAL_LOGIT_EPS,
    CALIBRATED_MARKETS,
    CALIBRATION_LINE,
    P_MAX,
    P_MIN,
    Market,
)

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
REQUIRED_COLUMNS: tuple[str, ...] = ("slate_date", "market", "line", "p_over_raw", "outcome_over")


@dataclass(frozen=True)
class ChronoSplit:
    """Validation rows: one season (default: the most recent) or every slate from a date on."""

    validation_season: int | None = None  # season start year (2025 = 2025-26)
    validation_start: dt.date | None = None

    def __post_init__(self) -> None:
        if self.validation_season is not None and self.validation_start is not None:
            raise ConfigError("give a validation season or a validation start date, not both")

    def describe(self, season: int | None) -> str:
        if self.validation_start is not None:
            return f"from={self.validation_start.isoformat()}"
        return f"season={season}"


def season_of(days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """NHL season start year of slate dates: July–December → that year, else the year before."""
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return np.where(months >= 7, years, years - 1)


def _fit_isotonic(p: FloatArray, y: FloatArray) -> dict[str, Any]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(p, y)
    return {"x": iso.X_thresholds_.tolist(), "y": iso.y_thresholds_.tolist()}


def _fit_platt(p: FloatArray, y: FloatArray) -> dict[str, Any]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    z = logit(np.clip(p, CAL_LOGIT_EPS, 1.0 - CAL_LOGIT_EPS)).reshape(-1, 1)
    # C=inf is an unpenalised fit (sklearn 1.8 deprecated penalty=None for this spelling);
    # newton-cholesky converges to the exact MLE, not lbfgs's 1e-4 neighbourhood
    model = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(z, y.astype(np.int64))
    for w in caught:
        logger.warning("Platt fit: %s", w.message)
    return {"coef": float(model.coef_[0, 0]), "intercept": float(model.intercept_[0])}


def _scores(p: FloatArray, y: FloatArray) -> dict[str, float]:
    return {"log_loss": log_loss(p, y, eps=P_MIN), "brier": brier(p, y), "n": len(y)}


def _rows_arrays(rows: pa.Table) -> dict[str, Any]:
    missing = [c for c in REQUIRED_COLUMNS if c not in rows.column_names]
    if missing:
        raise InputError(
            f"calibration rows lack column(s) {', '.join(missing)}; need {', '.join(REQUIRED_COLUMNS)}"
        )
    slate = rows.column("slate_date")
    if not pa.types.is_date32(slate.type):
        slate = pc.cast(slate, pa.date32())
    days = np.asarray(slate.to_numpy(), dtype="datetime64[D]")

    def num(name: str) -> FloatArray:
        return np.asarray(
            pc.cast(rows.column(name), pa.float64()).to_numpy(zero_copy_only=False), np.float64
        )

    seasons = num("season") if "season" in rows.column_names else season_of(days).astype(np.float64)
    return {
        "day": days,
        "season": seasons,
        "market": rows.column("market"),
        "line": num("line"),
        "p": num("p_over_raw"),
        "y": num("outcome_over"),
    }


def _is_in(column: pa.ChunkedArray, values: list[str]) -> npt.NDArray[np.bool_]:
    mask = pc.fill_null(pc.is_in(column, value_set=pa.array(values)), False)
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def _date(value: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(value))


def fit_calibrators(
    rows: pa.Table,
    *,
    clock: Clock,
    split: ChronoSplit | None = None,
    markets: Iterable[Market] = CALIBRATED_MARKETS,
    run_id: str = "",
    min_train: int = 100,
    min_valid: int = 30,
) -> list[CalibratorArtifact]:
    """Fit, compare and keep one calibrator per market from settled snapshot rows.

    ``rows``: slate_date, market, line, p_over_raw (raw P(over)), outcome_over (0/1; null =
    unsettled, ignored) and optionally season (start year; else derived from slate_date).
    Raises ModelError when a market lacks rows or both outcome classes in training.
    """
    split = split or ChronoSplit()
    a = _rows_arrays(rows)
    wanted = [Market(m) for m in markets]
    usable = (
        (a["line"] == CALIBRATION_LINE)
        & np.isfinite(a["p"])
        & np.isin(a["y"], (0.0, 1.0))
        & _is_in(a["market"], [m.value for m in wanted])
    )
    if not np.any(usable):
        raise ModelError(
            f"no settled line-0.5 rows for {', '.join(m.value for m in wanted)}; "
            "settle some snapshots before fitting calibrators"
        )
    if split.validation_start is not None:
        valid_all = a["day"] >= np.datetime64(split.validation_start)
        train_all = ~valid_all
        valid_season: int | None = None
    else:
        valid_season = split.validation_season or int(np.max(a["season"][usable]))
        valid_all = a["season"] == valid_season
        train_all = a["season"] < valid_season
    artifacts = []
    for market in wanted:
        in_market = usable & _is_in(a["market"], [market.value])
        train, valid = in_market & train_all, in_market & valid_all
        n_train, n_valid = int(train.sum()), int(valid.sum())
        if n_train < min_train or n_valid < min_valid:
            raise ModelError(
                f"{market.value} calibrator needs ≥ {min_train} training and ≥ {min_valid} validation "
                f"rows, got {n_train} and {n_valid} with split {split.describe(valid_season)}; "
                "settle more slates or choose another split (a validation start date)"
            )
        p_tr, y_tr, p_va, y_va = a["p"][train], a["y"][train], a["p"][valid], a["y"][valid]
        if y_tr.min() == y_tr.max():
            raise ModelError(
                f"{market.value} training rows have a single outcome class; cannot calibrate"
            )
        window = FitWindow(
            split=split.describe(valid_season),
            train_start=_date(a["day"][train].min()),
            train_end=_date(a["day"][train].max()),
            valid_start=_date(a["day"][valid].min()),
            valid_end=_date(a["day"][valid].max()),
            train_seasons=tuple(sorted({int(s) for s in a["season"][train]})),
            valid_seasons=tuple(sorted({int(s) for s in a["season"][valid]})),
        )
        candidates = {
            CalibrationMethod.ISOTONIC: _fit_isotonic(p_tr, y_tr),
            CalibrationMethod.PLATT: _fit_platt(p_tr, y_tr),
        }
        metrics: dict[str, Any] = {"selection": "lowest valid log_loss (p clipped 1e-6)"}
        for part, p, y in (("train", p_tr, y_tr), ("valid", p_va, y_va)):
            metrics[part] = {
                "raw": _scores(np.clip(p, P_MIN, P_MAX), y),
                "base_rate": float(y.mean()),
            }
        built = {}
        created = clock.now().replace(microsecond=0)  # the artifact stores whole seconds
        for method, params in candidates.items():
            art = CalibratorArtifact(
                market, method, params, window, n_train, n_valid, {}, created, run_id
            )
            built[method] = art
            for part, p, y in (("train", p_tr, y_tr), ("valid", p_va, y_va)):
                metrics[part][method.value] = _scores(apply(art, p), y)
        iso_ll = metrics["valid"]["isotonic"]["log_loss"]
        platt_ll = metrics["valid"]["platt"]["log_loss"]
        chosen = CalibrationMethod.ISOTONIC if iso_ll < platt_ll else CalibrationMethod.PLATT
        metrics["chosen"] = chosen.value
        artifacts.append(replace(built[chosen], metrics=metrics))
        logger.info(
            "%s calibrator: %s (valid log loss isotonic %.5f, platt %.5f, raw %.5f; n %d/%d)",
            market.value, chosen.value, iso_ll, platt_ll, metrics["valid"]["raw"]["log_loss"], n_train, n_valid,
        )  # fmt: skip
    return artifacts


__all__ = [
    "REQUIRED_COLUMNS",
    "ChronoSplit",
    "fit_calibrators",
    "season_of",
]
