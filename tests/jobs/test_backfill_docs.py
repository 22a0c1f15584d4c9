"""Documentation tripwires: docs/backfill.md names every option, limit, stop reason and exit."""

from __future__ import annotations

from pathlib import Path

import typer

from propledger.commands.backfill import backfill_app
from propledger.jobs.backfill_args import (
    MAX_REQUESTS_LIMIT,
    MAX_SECONDS_LIMIT,
    MAX_SPAN_LIMIT,
    BackfillSource,
    OnError,
)
from propledger.jobs.backfill_index import INDEX_FORMAT, LIVE_HOSTS, SEQUENCE_TOLERANCE
from propledger.jobs.backfill_result import StopReason
from propledger.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "backfill.md"


def _rows(text: str, first: str) -> dict[str, str]:
    """Markdown table rows keyed by their first cell (backticks stripped)."""
    start = text.index(first)
    rows = {}
    for line in text[start:].splitlines():
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`").split(" ")[0]] = line
    return rows


def test_every_option_of_the_command_is_in_the_arguments_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = _rows(text, "| argument |")
    command = typer.main.get_command(backfill_app).commands["unabated"]  # type: ignore[attr-defined]
    options = [o for p in command.params for o in p.opts if o.startswith("--")]
    assert options
    for option in options:
        assert option in table or any(option in row for row in table.values()), option
    for choice in (*BackfillSource, *OnError):
        assert choice.value in text


def test_limits_and_defaults_are_the_documented_ones() -> None:
    table = _rows(DOC.read_text(encoding="utf-8"), "| argument |")
    assert f"1 … {MAX_REQUESTS_LIMIT}" in table["--max-requests"]
    assert f"0 < S ≤ {MAX_SECONDS_LIMIT:g} (6 h)" in table["--max-seconds"]
    assert (
        f"(default {Settings().backfill_max_span_days}, hard cap {MAX_SPAN_LIMIT})"
        in table["--end"]
    )
    assert "default `stop`" in table["--on-error"] and "default `archive`" in table["--source"]


def test_every_stop_reason_and_exit_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = _rows(text, "| stop reason |")
    assert set(table) - {"stop", "---"} == {r.value for r in StopReason}
    for code in ("| 0 ", "| 1 |", "| 130 |"):
        assert any(code in row for row in table.values()), code
    assert "exit 2" in text and "4 when another run holds the lock" in text


def test_the_index_format_and_trust_checks_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f'"format": "{INDEX_FORMAT}", "version": 1' in text
    assert f"more than {SEQUENCE_TOLERANCE.seconds // 60} minutes" in text
    for host in LIVE_HOSTS:
        assert f"`{host}`" in text
