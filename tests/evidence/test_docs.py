"""Documentation unit test: every table, view and column of a migrated warehouse is described in
docs/evidence.md or docs/warehouse.md (the union), and the anomaly rules table matches RULES."""

from __future__ import annotations

from pathlib import Path

import pytest

from propledger.evidence.facts import Fact
from propledger.evidence.reports.anomalies import RULES
from propledger.evidence.warehouse import Warehouse

DOCS = Path(__file__).parents[2] / "docs"
EVIDENCE = (DOCS / "evidence.md").read_text(encoding="utf-8")
UNION = EVIDENCE + "\n" + (DOCS / "warehouse.md").read_text(encoding="utf-8")


def _relations(kind: str) -> list[str]:
    with Warehouse.open(":memory:") as wh:
        return [
            r[0]
            for r in wh.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_type = ? "
                "ORDER BY table_name",
                [kind],
            )
        ]


@pytest.mark.parametrize("table", _relations("BASE TABLE"))
def test_every_table_and_column_is_documented(wh: Warehouse, table: str) -> None:
    assert f"`{table}`" in UNION, f"document table {table} in docs/evidence.md or docs/warehouse.md"
    missing = [name for name, _ in wh.columns(table) if f"`{name}`" not in UNION]
    assert missing == [], f"{table}: document {missing} in docs/evidence.md or docs/warehouse.md"


@pytest.mark.parametrize("view", _relations("VIEW"))
def test_every_view_and_its_columns_are_documented(wh: Warehouse, view: str) -> None:
    assert f"`{view}`" in UNION, f"document view {view} in docs/evidence.md or docs/warehouse.md"
    missing = [name for name, _ in wh.columns(view) if f"`{name}`" not in UNION]
    assert missing == [], f"{view}: document {missing}"


@pytest.mark.parametrize("fact", list(Fact))
def test_each_fact_has_its_own_section_and_latest_view(fact: Fact) -> None:
    assert f"### `{fact.value}`" in EVIDENCE
    assert f"`{fact.latest_view}`" in EVIDENCE


def test_registry_is_documented_here() -> None:
    assert "## The run registry: `fact_run_registry`" in EVIDENCE


def test_anomaly_rules_table_lists_every_rule_once() -> None:
    section = EVIDENCE.split("### Anomaly rules", 1)[1].split("\n## ", 1)[0]
    rows = [
        line.split("|")[1].strip().strip("`")
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    assert rows == ["vendor_zero", *(r.name for r in RULES)]
