"""Accuracy-only metrics: hand-checked values, sklearn agreement, the report writer."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.metrics import log_loss as sk_log_loss

from propledger.errors import InputError
from propledger.model.accuracy import (
    accuracy_metrics,
    ece,
    log_loss,
    low_p_logloss_share,
    roc_auc,
    top_k_hit_rate,
    write_accuracy_report,
)

D1, D2 = dt.date(2026, 1, 10), dt.date(2026, 1, 11)


def rows(p: list[float], y: list[int], *, market: str = "GOALS", line: float = 0.5,
         source: str = "Raw", slates: list[dt.date] | None = None) -> pa.Table:  # fmt: skip
    n = len(p)
    return pa.table(
        {
            "slate_date": pa.array(slates or [D1] * n, pa.date32()),
            "market": [market] * n,
            "line": [line] * n,
            "prob_source": [source] * n,
            "p_over": p,
            "outcome_over": y,
        }
    )


def test_hand_checked_group() -> None:
    out = accuracy_metrics(rows([0.2, 0.6, 0.9, 0.4], [0, 1, 1, 0]), top_k=(2, 5)).to_pylist()
    assert len(out) == 1
    r = out[0]
    ll = -(math.log(0.8) + math.log(0.6) + math.log(0.9) + math.log(0.6)) / 4
    assert r["log_loss"] == pytest.approx(ll, abs=1e-15)
    assert r["log_loss"] == pytest.approx(0.33753883, abs=1e-8)
    assert r["brier"] == pytest.approx(0.0925, abs=1e-15)
    assert r["base_rate"] == 0.5 and r["baseline_brier"] == 0.25
    assert r["baseline_log_loss"] == pytest.approx(math.log(2), abs=1e-15)
    assert r["log_loss_improvement"] == pytest.approx(math.log(2) - ll, abs=1e-15)
    assert r["log_loss_skill"] == pytest.approx((math.log(2) - ll) / math.log(2), abs=1e-15)
    assert r["ece"] == pytest.approx(0.275, abs=1e-15)  # (0.2 + 0.4 + 0.1 + 0.4)/4
    assert r["roc_auc"] == 1.0
    assert r["top2_hit_rate"] == 1.0 and r["top5_hit_rate"] is None  # 4 rows < 5
    assert r["low_p_logloss_share"] == 0.0
    assert (r["n"], r["n_slates"], r["first_slate"], r["last_slate"]) == (4, 1, D1, D1)
    assert r["is_primary_line"] is True


def test_ece_bins_share_and_pool() -> None:
    # bin 2 holds 0.2 and 0.25 (y 0, 1): |1 − 0.45| = 0.55; bin 9 holds 1.0 (y 1): 0
    assert ece([0.2, 0.25, 1.0], [0, 1, 1]) == pytest.approx(0.55 / 3, abs=1e-15)
    assert ece([0.0, 0.1], [0, 0]) == pytest.approx(0.05, abs=1e-15)  # 0.1 is bin 1


def test_top_k_ties_share_the_remaining_places() -> None:
    slates = [D1] * 4
    # cut at 0.5: no row above, three tied with one over → 2 places × 1/3 / 2 = 1/3
    assert top_k_hit_rate(slates, [0.5, 0.5, 0.5, 0.1], [1, 0, 0, 1], 2) == pytest.approx(1 / 3)
    # the order of rows never matters
    assert top_k_hit_rate(slates, [0.1, 0.5, 0.5, 0.5], [1, 0, 1, 0], 2) == pytest.approx(1 / 3)


def test_top_k_is_the_mean_over_slates_with_enough_rows() -> None:
    slates = [D1, D1, D2, D2, D2]
    p = [0.9, 0.1, 0.8, 0.7, 0.2]
    y = [1, 0, 0, 0, 1]
    assert top_k_hit_rate(slates, p, y, 1) == pytest.approx(0.5)  # slate 1: 1, slate 2: 0
    assert top_k_hit_rate(slates, p, y, 3) == pytest.approx(1 / 3)  # only slate 2 qualifies
    assert top_k_hit_rate(slates, p, y, 4) is None


def test_low_p_share_and_single_class_auc() -> None:
    share = low_p_logloss_share([0.005, 0.5], [1, 0])
    assert share == pytest.approx(math.log(0.005) / (math.log(0.005) + math.log(0.5)), abs=1e-15)
    assert share == pytest.approx(0.88431089, abs=1e-8)
    assert roc_auc([0.2, 0.3], [1, 1]) is None
    assert log_loss([0.0, 1.0], [1, 0]) == pytest.approx(
        -math.log(1e-15), rel=1e-4
    )  # clipped, finite


def test_agrees_with_sklearn_and_groups_by_market_line_source() -> None:
    rng = np.random.default_rng(11)
    parts = []
    for market, line, source in [
        ("SOG", 2.5, "Raw"),
        ("POINTS", 0.5, "Calibrated"),
        ("POINTS", 1.5, "Calibrated"),
    ]:
        n = 400
        p = rng.uniform(0.001, 0.999, n)
        y = (rng.uniform(size=n) < p).astype(int)
        slates = [D1 + dt.timedelta(days=int(d)) for d in rng.integers(0, 5, n)]
        parts.append(
            rows(p.tolist(), y.tolist(), market=market, line=line, source=source, slates=slates)
        )
    table = pa.concat_tables(parts)
    out = accuracy_metrics(table)
    assert [(r["market"], r["line"]) for r in out.to_pylist()] == [
        ("POINTS", 0.5),
        ("POINTS", 1.5),
        ("SOG", 2.5),
    ]
    for r, part in zip(out.to_pylist(), [parts[1], parts[2], parts[0]], strict=True):
        p = part.column("p_over").to_numpy()
        y = part.column("outcome_over").to_numpy()
        assert r["log_loss"] == pytest.approx(sk_log_loss(y, p), abs=1e-12)
        assert r["brier"] == pytest.approx(brier_score_loss(y, p), abs=1e-12)
        assert r["roc_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
        rate = y.mean()
        assert r["baseline_log_loss"] == pytest.approx(
            sk_log_loss(y, np.full(len(y), rate)), abs=1e-12
        )
    assert [r["is_primary_line"] for r in out.to_pylist()] == [True, False, True]


def test_input_validation() -> None:
    with pytest.raises(InputError, match="outcome_over"):
        accuracy_metrics(rows([0.5], [1]).drop_columns(["outcome_over"]))
    with pytest.raises(InputError, match="0 or 1"):
        accuracy_metrics(rows([0.5], [2]))
    with pytest.raises(InputError, match="probability"):
        accuracy_metrics(rows([1.5], [1]))
    assert accuracy_metrics(rows([], [])).num_rows == 0


def test_string_slate_dates_are_accepted() -> None:
    table = rows([0.3, 0.7], [0, 1]).set_column(
        0, "slate_date", pa.array(["2026-01-10", "2026-01-11"])
    )
    assert accuracy_metrics(table).column("n_slates").to_pylist() == [2]


def test_report_writer(tmp_path: Path) -> None:
    metrics = accuracy_metrics(rows([0.2, 0.6, 0.9, 0.4], [0, 1, 1, 0]))
    report = write_accuracy_report(metrics, tmp_path / "out", "Accuracy 2026-01-10")
    text = report.markdown.read_text(encoding="utf-8")
    assert text.startswith("# Accuracy 2026-01-10\n")
    assert (
        "| GOALS | 0.5* | Raw | 4 | 0.500 | 0.3375 | 0.6931 | 0.3556 | 0.0925 | 0.2750 | 1.000 | – | – | – | 0.000 |"
        in text
    )
    back = pacsv.read_csv(report.csv)
    assert back.num_rows == 1 and back.column("log_loss")[0].as_py() == pytest.approx(
        0.33753882, abs=1e-8
    )
    empty = write_accuracy_report(
        accuracy_metrics(rows([], [])), tmp_path / "out", "Empty", stem="empty"
    )
    assert "No settled rows" in empty.markdown.read_text(encoding="utf-8")
