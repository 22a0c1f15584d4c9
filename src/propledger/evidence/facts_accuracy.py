"""``fact_forecast_accuracy_daily``: accuracy of the model on a settled slate (accuracy only).

Per settled slate × market × line × prob_source: the section 5 metrics, computed by
:func:`propledger.model.accuracy.accuracy_metrics` on the slate's *recorded* settlements
(:func:`propledger.ev.settle.settled_accuracy_rows`: the latest snapshot of each player line
taken strictly before the game's start with its ``fact_settlement`` result, pushes, voids and
unsettled rows excluded; the settlement definition is :mod:`propledger.model.outcomes`) —
never parsed from a report. ``settlement_rows`` counts every ``fact_settlement`` row of the slate (voids and
pushes included), so a late settlement makes a new version. ``reliability`` is a JSON object
``{"bins": 10, "n": [...], "sum_p": [...], "sum_y": [...]}`` over equal-width bins of p
(the ECE bins), from which windows aggregate exact reliability diagrams and ECE.

Baselines are the slate's own: the constant forecast at the slate's empirical rate.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from propledger.ev.settle import settled_accuracy_rows
from propledger.evidence.facts import FLOAT_DIGITS, Fact
from propledger.evidence.warehouse import Warehouse
from propledger.model.accuracy import ECE_BINS, accuracy_metrics

#: metric columns taken from ``accuracy_metrics`` (its first_slate/last_slate/n_slates are
#: implied by the slate)
_DROPPED = ("n_slates", "first_slate", "last_slate")


def reliability_bins(
    p: np.ndarray[Any, Any], y: np.ndarray[Any, Any], bins: int = ECE_BINS
) -> dict[str, Any]:
    """Counts, Σp and Σy per equal-width bin of p (the last bin closed at 1)."""
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    return {
        "bins": bins,
        "n": np.bincount(idx, minlength=bins).astype(int).tolist(),
        "sum_p": [
            round(float(v), FLOAT_DIGITS) for v in np.bincount(idx, weights=p, minlength=bins)
        ],
        "sum_y": [
            round(float(v), FLOAT_DIGITS) for v in np.bincount(idx, weights=y, minlength=bins)
        ],
    }


def accuracy_fact_rows(wh: Warehouse, slate_date: dt.date) -> pa.Table:
    """The accuracy rows of one slate (empty when nothing of it is settled over/under)."""
    settled = settled_accuracy_rows(wh, slate_date, slate_date)
    metrics = accuracy_metrics(settled)
    if metrics.num_rows == 0:
        return metrics
    total = int(
        wh.scalar("SELECT count(*) FROM fact_settlement WHERE slate_date = ?", [slate_date])
    )
    p = np.asarray(pc.cast(settled["p_over"], pa.float64()).to_numpy(), np.float64)
    y = np.asarray(pc.cast(settled["outcome_over"], pa.float64()).to_numpy(), np.float64)
    markets = np.asarray(settled["market"].to_pylist(), dtype=object)
    lines = np.asarray(pc.cast(settled["line"], pa.float64()).to_numpy(), np.float64)
    sources = np.asarray(settled["prob_source"].to_pylist(), dtype=object)
    reliability = []
    # one vectorised mask per metrics group (a handful of market × line × source groups)
    for market, line, source in zip(
        metrics["market"].to_pylist(),
        metrics["line"].to_pylist(),
        metrics["prob_source"].to_pylist(),
        strict=True,
    ):
        mask = (markets == market) & (lines == line) & (sources == source)
        reliability.append(json.dumps(reliability_bins(p[mask], y[mask])))
    n = metrics.num_rows
    out = metrics.drop_columns(list(_DROPPED))
    out = out.add_column(0, "slate_date", pa.array([slate_date] * n, pa.date32()))
    out = out.add_column(5, "settlement_rows", pa.array([total] * n, pa.int64()))
    return out.append_column("reliability", pa.array(reliability, pa.string()))


def slates_to_score(wh: Warehouse, through: dt.date) -> list[dt.date]:
    """Slates ≤ ``through`` with settlements recorded after their latest accuracy version (or
    with none yet): the ones a run (re)computes."""
    rows = wh.rows(
        f"""WITH settled AS (
            SELECT slate_date, max(settled_ts) AS last_settled FROM fact_settlement
            WHERE slate_date <= ? GROUP BY slate_date),
        done AS (
            SELECT slate_date, max(computed_utc) AS computed
            FROM {Fact.FORECAST_ACCURACY.latest_view} GROUP BY slate_date)
        SELECT s.slate_date FROM settled s LEFT JOIN done d USING (slate_date)
        WHERE d.computed IS NULL OR s.last_settled > d.computed
        ORDER BY s.slate_date""",
        [through],
    )
    return [r[0] for r in rows]


__all__ = ["accuracy_fact_rows", "reliability_bins", "slates_to_score"]
