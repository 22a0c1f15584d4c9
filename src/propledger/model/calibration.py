"""Calibrators for ASSISTS and POINTS (DESIGN section 5, frozen): the artifact, ``apply`` and
the artifact store. Fitting and selection are in :mod:`propledger.model.calibration_fit`.

A calibrator is isotonic thresholds (``IsotonicRegression(out_of_bounds="clip")``: linear
interpolation, constant beyond the end thresholds) or Platt coefficients (on
logit(clip(p_raw, 1e-10, 1 − 1e-10))). Calibrated probabilities are clipped to [1e-6, 1 − 1e-6].

Artifacts are JSON (never pickle): isotonic thresholds or Platt coefficients, method, market,
fit window, sizes, metrics, created_at (from the injected clock). The file's sha256 (plain
``sha256sum`` of its bytes) is recorded in ``calibrators/active.json`` and in the warehouse
``calibrator`` table; loading verifies it and raises ModelError on a missing or corrupt file.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.special import expit, logit

from propledger.clock import iso_z, parse_utc
from propledger.errors import ModelError
from propledger.files import atomic_write
from propledger.model.constants import (
    CAL_LOGIT_EPS,
    CALIBRATED_MARKETS,
    CALIBRATION_LINE,
    MODEL_VERSION,
    P_MAX,
    P_MIN,
    Market,
)

if TYPE_CHECKING:
    from propledger.evidence.warehouse import Warehouse

FloatArray = npt.NDArray[np.float64]
SCHEMA_VERSION = 1
ARTIFACT_DIR = "calibrators"
ACTIVE_FILE = "active.json"
_REFIT = "re-fit with `propledger model fit-calibrators` or set DISABLE_CALIBRATION=1"


class CalibrationMethod(enum.StrEnum):
    ISOTONIC = "isotonic"
    PLATT = "platt"


@dataclass(frozen=True)
class FitWindow:
    """Slate dates (America/New_York) and seasons (start years) of the two parts."""

    split: str
    train_start: dt.date
    train_end: dt.date
    valid_start: dt.date
    valid_end: dt.date
    train_seasons: tuple[int, ...]
    valid_seasons: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "train_start": self.train_start.isoformat(),
            "train_end": self.train_end.isoformat(),
            "valid_start": self.valid_start.isoformat(),
            "valid_end": self.valid_end.isoformat(),
            "train_seasons": list(self.train_seasons),
            "valid_seasons": list(self.valid_seasons),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FitWindow:
        day = dt.date.fromisoformat
        return cls(
            str(d["split"]),
            day(d["train_start"]),
            day(d["train_end"]),
            day(d["valid_start"]),
            day(d["valid_end"]),
            tuple(int(s) for s in d["train_seasons"]),
            tuple(int(s) for s in d["valid_seasons"]),
        )


def _canonical(obj: Any, *, indent: int | None = None) -> bytes:
    text = json.dumps(obj, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False)
    return (text + ("\n" if indent else "")).encode("utf-8")


@dataclass(frozen=True, eq=False)
class CalibratorArtifact:
    """A fitted calibrator and its provenance. ``path`` is set once saved or loaded."""

    market: Market
    method: CalibrationMethod
    params: Mapping[str, Any]  # isotonic: {"x": [...], "y": [...]}; platt: {"coef", "intercept"}
    window: FitWindow
    n_train: int
    n_valid: int
    metrics: Mapping[str, Any]
    created_at: dt.datetime  # UTC
    run_id: str = ""
    model_version: str = MODEL_VERSION
    line: float = CALIBRATION_LINE
    path: Path | None = field(default=None, compare=False)

    def content(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "market": self.market.value,
            "method": self.method.value,
            "params": dict(self.params),
            "window": self.window.to_dict(),
            "n_train": self.n_train,
            "n_valid": self.n_valid,
            "metrics": self.metrics,
            "created_at": iso_z(self.created_at),
            "run_id": self.run_id,
            "model_version": self.model_version,
            "line": self.line,
        }

    @cached_property
    def version(self) -> str:
        """``<market>-<method>-<created UTC>-<8 hex of the content hash>``."""
        digest = hashlib.sha256(_canonical(self.content())).hexdigest()[:8]
        stamp = self.created_at.strftime("%Y%m%dT%H%M%SZ")
        return f"{self.market.value.lower()}-{self.method.value}-{stamp}-{digest}"

    @cached_property
    def json_bytes(self) -> bytes:
        return _canonical(self.content() | {"version": self.version}, indent=2)

    @cached_property
    def sha256(self) -> str:
        """sha256 of the artifact file's bytes (what ``sha256sum`` prints)."""
        return hashlib.sha256(self.json_bytes).hexdigest()

    @cached_property
    def _curve(self) -> tuple[FloatArray, FloatArray] | tuple[float, float]:
        if self.method is CalibrationMethod.ISOTONIC:
            return np.asarray(self.params["x"], np.float64), np.asarray(
                self.params["y"], np.float64
            )
        return float(self.params["coef"]), float(self.params["intercept"])

    def predict(self, p_raw: npt.ArrayLike) -> FloatArray:
        return apply(self, p_raw)

    @classmethod
    def from_json_bytes(cls, data: bytes, *, path: Path | None = None) -> CalibratorArtifact:
        d = json.loads(data.decode("utf-8"))
        if d.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"unknown artifact schema {d.get('schema')!r}")
        method = CalibrationMethod(d["method"])
        params = d["params"]
        if method is CalibrationMethod.ISOTONIC:
            x, y = [float(v) for v in params["x"]], [float(v) for v in params["y"]]
            if not x or len(x) != len(y) or any(b < a for a, b in itertools.pairwise(x)):
                raise ValueError("isotonic thresholds are empty, unequal or unsorted")
            params = {"x": x, "y": y}
        else:
            params = {"coef": float(params["coef"]), "intercept": float(params["intercept"])}
        artifact = cls(
            market=Market(d["market"]),
            method=method,
            params=params,
            window=FitWindow.from_dict(d["window"]),
            n_train=int(d["n_train"]),
            n_valid=int(d["n_valid"]),
            metrics=d["metrics"],
            created_at=parse_utc(d["created_at"]),
            run_id=str(d["run_id"]),
            model_version=str(d["model_version"]),
            line=float(d["line"]),
            path=path,
        )
        if artifact.version != d.get("version"):
            raise ValueError(f"version {d.get('version')!r} does not match its content")
        return artifact


def apply(calibrator: CalibratorArtifact, p_raw: npt.ArrayLike) -> FloatArray:
    """Calibrated P(over) for raw P(over) values, vectorised; NaN stays NaN; clipped."""
    p = np.asarray(p_raw, dtype=np.float64)
    curve = calibrator._curve
    if calibrator.method is CalibrationMethod.ISOTONIC:
        x, y = curve
        out = np.interp(p, x, y)  # constant beyond the end thresholds = out_of_bounds="clip"
    else:
        coef, intercept = curve
        out = expit(coef * logit(np.clip(p, CAL_LOGIT_EPS, 1.0 - CAL_LOGIT_EPS)) + intercept)
    result: FloatArray = np.clip(out, P_MIN, P_MAX)
    return result


def artifact_dir(models_dir: Path | str) -> Path:
    return Path(models_dir) / ARTIFACT_DIR


def save_artifact(
    artifact: CalibratorArtifact, models_dir: Path | str, *, activate: bool = True
) -> CalibratorArtifact:
    """Write ``calibrators/<version>.json`` atomically (and make it its market's active one)."""
    path = artifact_dir(models_dir) / f"{artifact.version}.json"
    atomic_write(path, artifact.json_bytes)
    saved = replace(artifact, path=path)
    if activate:
        activate_artifacts([saved], models_dir)
    return saved


def activate_artifacts(artifacts: Sequence[CalibratorArtifact], models_dir: Path | str) -> Path:
    """Point each artifact's market at it in ``calibrators/active.json`` (atomic rewrite)."""
    active_path = artifact_dir(models_dir) / ACTIVE_FILE
    current: dict[str, Any] = {}
    if active_path.exists():
        current = _read_active(active_path)
    for art in artifacts:
        current[art.market.value] = {
            "version": art.version,
            "file": f"{art.version}.json",
            "sha256": art.sha256,
        }
    atomic_write(active_path, _canonical(current, indent=2))
    return active_path


def _read_active(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    except (OSError, ValueError) as exc:
        raise ModelError(f"calibrator index {path} is unreadable ({exc}); {_REFIT}") from None


def load_artifact(path: Path | str, *, sha256: str | None = None) -> CalibratorArtifact:
    """Read and verify an artifact (its recorded sha256 when given; its content always)."""
    target = Path(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"calibrator artifact {target} is missing; {_REFIT}") from None
    except OSError as exc:
        raise ModelError(
            f"calibrator artifact {target} is unreadable ({exc.strerror}); {_REFIT}"
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if sha256 is not None and actual != sha256:
        raise ModelError(
            f"calibrator artifact {target} is corrupt: sha256 {actual[:12]}… ≠ recorded {sha256[:12]}…; {_REFIT}"
        )
    try:
        return CalibratorArtifact.from_json_bytes(data, path=target)
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"calibrator artifact {target} is corrupt ({exc}); {_REFIT}") from None


def load_active_calibrators(
    models_dir: Path | str, markets: Iterable[Market] = CALIBRATED_MARKETS
) -> dict[Market, CalibratorArtifact]:
    """The active calibrator of each market, verified; ModelError if any is missing/corrupt."""
    active_path = artifact_dir(models_dir) / ACTIVE_FILE
    wanted = [Market(m) for m in markets]
    if not wanted:
        return {}
    if not active_path.exists():
        raise ModelError(
            f"no calibrators in {artifact_dir(models_dir)} (no {ACTIVE_FILE}); {_REFIT}"
        )
    index = _read_active(active_path)
    out: dict[Market, CalibratorArtifact] = {}
    for market in wanted:
        entry = index.get(market.value)
        if not isinstance(entry, dict) or not {"file", "sha256", "version"} <= entry.keys():
            raise ModelError(f"no active {market.value} calibrator in {active_path}; {_REFIT}")
        art = load_artifact(
            artifact_dir(models_dir) / str(entry["file"]), sha256=str(entry["sha256"])
        )
        if art.market is not market or art.version != entry["version"]:
            raise ModelError(
                f"calibrator index {active_path} points {market.value} at {entry['file']}, "
                f"which holds {art.market.value} {art.version}; {_REFIT}"
            )
        out[market] = art
    return out


def record_artifacts(
    wh: Warehouse,
    artifacts: Sequence[CalibratorArtifact],
    *,
    run_id: str,
    loaded_at: dt.datetime | None = None,
) -> int:
    """Append artifact metadata to the ``calibrator`` table; returns the number of new rows."""
    rows = []
    for art in artifacts:
        w = art.window
        chosen = art.metrics.get("valid", {}).get(art.method.value, {})
        rows.append(
            {
                "version": art.version,
                "market": art.market.value,
                "method": art.method.value,
                "model_version": art.model_version,
                "line": art.line,
                "split": w.split,
                "train_start": w.train_start,
                "train_end": w.train_end,
                "valid_start": w.valid_start,
                "valid_end": w.valid_end,
                "train_seasons": ",".join(str(s) for s in w.train_seasons),
                "valid_seasons": ",".join(str(s) for s in w.valid_seasons),
                "n_train": art.n_train,
                "n_valid": art.n_valid,
                "valid_log_loss": chosen.get("log_loss"),
                "valid_brier": chosen.get("brier"),
                "metrics": _canonical(art.metrics).decode("utf-8"),
                "sha256": art.sha256,
                "path": None if art.path is None else str(art.path),
                "created_at": art.created_at,
            }
        )
    return wh.append("calibrator", rows, run_id=run_id, loaded_at=loaded_at)


__all__ = [
    "ACTIVE_FILE",
    "ARTIFACT_DIR",
    "CalibrationMethod",
    "CalibratorArtifact",
    "FitWindow",
    "activate_artifacts",
    "apply",
    "artifact_dir",
    "load_active_calibrators",
    "load_artifact",
    "record_artifacts",
    "save_artifact",
]
