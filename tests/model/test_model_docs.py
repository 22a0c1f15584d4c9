"""Documentation tripwires: docs/model.md names every contract column, branch and metric."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from propledger.model.accuracy import accuracy_metrics
from propledger.model.constants import FEATURE_COLUMNS, MODEL_VERSION, NB2_ALPHA
from propledger.model.mu import BRANCHES, MULTIPLIERS

DOC = (Path(__file__).parents[2] / "docs" / "model.md").read_text(encoding="utf-8")


def test_feature_contract_is_documented() -> None:
    missing = [c for c in FEATURE_COLUMNS if f"`{c}`" not in DOC]
    assert not missing, f"docs/model.md lacks feature column(s) {missing}"


def test_branches_multipliers_and_constants_are_documented() -> None:
    for branches in BRANCHES.values():
        for name in branches:
            assert f"`{name}`" in DOC, name
    for name in MULTIPLIERS:
        assert f"`{name}`" in DOC, name
    assert MODEL_VERSION in DOC
    for market, alpha in NB2_ALPHA.items():
        assert f"{market.value} (α = {alpha:.2f})" in DOC


def test_every_metric_column_is_documented() -> None:
    empty = pa.table({"slate_date": pa.array([], pa.date32()), "market": pa.array([], pa.string()),
                      "line": pa.array([], pa.float64()), "prob_source": pa.array([], pa.string()),
                      "p_over": pa.array([], pa.float64()), "outcome_over": pa.array([], pa.int64())})  # fmt: skip
    for column in accuracy_metrics(empty).column_names:
        name = "top{5,10,20}_hit_rate" if column.startswith("top") else column
        assert f"`{name}`" in DOC, column
