"""The daily and rolling reports: sections, observational labelling, plots, determinism, CLI."""

from __future__ import annotations

import datetime as dt
import re
import struct
from pathlib import Path
from typing import Any

import pytest

from evworld import AS_OF, SLATE, add_games, add_odds, add_snapshot, odds_row, snapshot_row
from propledger.cli import main
from propledger.clock import FrozenClock
from propledger.context import Context
from propledger.evidence.registry import RegistryEvent, RunStatus, record
from propledger.evidence.reports.daily import OBSERVATIONAL_TITLE as DAILY_OBS
from propledger.evidence.reports.daily import write_daily_report
from propledger.evidence.reports.rolling import OBSERVATIONAL_TITLE as ROLLING_OBS
from propledger.evidence.reports.rolling import write_rolling_report
from propledger.evidence.reports.runinfo import RunInfo, StepInfo, VendorHealth
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.diagnostics import run_diagnostics
from propledger.jobs.ev import run_ev_step
from propledger.settings import Settings

DAILY_SECTIONS = (
    "## Run", "## Vendor health", "## Anomalies", "## Odds coverage", "## Mapping quality",
    "## EV summary", "### Top lines", "### Audit flags",
    "## Accuracy of the latest settled slate vs baseline", DAILY_OBS, "## Data",
)  # fmt: skip
ROLLING_SECTIONS = (
    "## Accuracy per market (primary line)", "## Coverage and mapping per vendor",
    "## EV funnel per market (all books)", "## Run outcomes", ROLLING_OBS, "## Data",
)  # fmt: skip
OBSERVATIONAL_WORDS = re.compile(r"\b(ROI|CLV|return)\b", re.IGNORECASE)


def _world(wh: Warehouse, settings: Settings) -> Context:
    add_games(wh)
    add_odds(
        wh,
        odds_row("OVER", 2.0, map_reason=None),
        odds_row("UNDER", 1.8, map_reason=None),
        odds_row("OVER", 2.5, book_name_raw="DraftKings", map_reason=None),
    )
    add_snapshot(wh, snapshot_row(0.6))
    ctx = Context(settings, FrozenClock(AS_OF), "20260114T170000Z-abcd1234", _warehouse=wh)
    record(wh, RegistryEvent(run_id=ctx.run_id, step="run", event="start", status=RunStatus.RUNNING,
                             recorded_utc=AS_OF, started_utc=AS_OF, slate_date=SLATE))  # fmt: skip
    run_ev_step(ctx, SLATE)
    return ctx


def _run_info(ctx: Context) -> RunInfo:
    return RunInfo(
        run_id=ctx.run_id,
        started_utc=AS_OF,
        steps=(StepInfo("odds", "DEGRADED", "playnow failed", 3), StepInfo("ev", "SUCCESS", "", 3)),
        vendors=(
            VendorHealth(
                "PLAYNOW",
                "FAILED",
                4,
                4,
                503,
                "HttpStatusError",
                "HTTP 503 after 4 attempts",
                0,
                0,
                call_status="failed",
            ),
            VendorHealth("UNABATED", "SUCCESS", 1, 1, 200, "", "", 3, 3, call_status="ok"),
        ),
    )


def _sections(text: str, expected: tuple[str, ...]) -> list[str]:
    """The expected headings found, in the order they occur (a heading may continue)."""
    heads = [line for line in text.splitlines() if line.startswith(("## ", "### "))]
    return [e for h in heads for e in expected if h == e or h.startswith(e + " ")]


def _outside(text: str, title: str) -> str:
    """The report text without its observational section (title to the next ``## ``)."""
    head, _, rest = text.partition(title + "\n")
    tail = rest[rest.index("\n## ") :] if "\n## " in rest else ""
    return head + tail


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_diagnostics_writes_both_reports_with_every_section(
    wh: Warehouse, settings: Settings
) -> None:
    ctx = _world(wh, settings)
    result = run_diagnostics(ctx, SLATE, _run_info(ctx))
    daily = result.daily_report.read_text(encoding="utf-8")
    assert result.daily_report.name == "daily_report_2026-01-14.md"
    assert result.daily_report.parent == settings.output_dir / "monitoring"
    assert _sections(daily, DAILY_SECTIONS) == list(DAILY_SECTIONS)
    assert "Run `20260114T170000Z-abcd1234` (daily): **RUNNING**" in daily
    assert (
        "| PLAYNOW | FAILED | failed | 4 | 4 | 503 | 0 | 0 | HttpStatusError | HTTP 503 after 4 attempts |"
        in daily
    )
    assert (
        "**vendor_zero** PLAYNOW: failed in this run (HttpStatusError: HTTP 503 after 4 attempts)"
        in daily
    )
    assert "MoneyPuck" in daily
    # "candidates" is a table name (every priced row); the funnel's column says what it counts
    assert "| market | quotes | eligible | joined | fresh |" in daily
    assert "eligible: not excluded" in daily and "candidates" not in daily
    # the best bet (DK over at 2.5: EV +0.5) is both a top line and an audit flag
    assert daily.count("DraftKings (UNABATED) | 2.50 (+150) | 0.600 | Raw | – | +0.500 |") == 2
    assert result.rolling_report is not None
    rolling = result.rolling_report.read_text(encoding="utf-8")
    assert _sections(rolling, ROLLING_SECTIONS) == list(ROLLING_SECTIONS)
    for name in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", rolling):
        assert (result.rolling_report.parent / name).exists(), name
    assert {p.name for p in result.plots} >= {
        "rolling_accuracy.png", "rolling_reliability.png", "rolling_coverage.png",
        "rolling_mapping.png", "rolling_runs.png",
    }  # fmt: skip
    for png in result.plots:
        width, height = _png_size(png)
        assert 300 <= width <= 2000 and 250 <= height <= 2000, (png.name, width, height)
        assert png.stat().st_size > 5_000


def test_roi_and_clv_appear_only_in_the_observational_sections(
    wh: Warehouse, settings: Settings
) -> None:
    ctx = _world(wh, settings)
    out = settings.output_dir / "monitoring"
    from propledger.jobs.diagnostics import record_facts

    record_facts(ctx, SLATE)
    daily = write_daily_report(wh, SLATE, out, run=_run_info(ctx)).text
    rolling = write_rolling_report(wh, out, through=SLATE).text
    for text, title in ((daily, DAILY_OBS), (rolling, ROLLING_OBS)):
        assert text.count(title) == 1
        section = title + text.partition(title)[2].split("\n## ")[0]
        assert re.search(r"\bROI\b", section) and re.search(r"\bCLV\b", section)
        assert OBSERVATIONAL_WORDS.findall(_outside(text, title)) == []


def test_daily_report_is_deterministic_and_reads_the_registry(
    wh: Warehouse, settings: Settings
) -> None:
    ctx = _world(wh, settings)
    from propledger.jobs.diagnostics import record_facts

    record_facts(ctx, SLATE)
    record(
        wh,
        RegistryEvent(run_id=ctx.run_id, step="odds", vendor="oddsshark", event="end", status="FAILED",
                      recorded_utc=AS_OF, attempts=1, requests=1, http_status=403, error_type="HttpStatusError",
                      message="403 Forbidden", details={"call_status": "failed"}),
        # every event of a run carries its slate, as the driver writes them (v_run reads the
        # latest run event's)
        RegistryEvent(run_id=ctx.run_id, step="run", event="end", status=RunStatus.DEGRADED,
                      recorded_utc=AS_OF + dt.timedelta(minutes=1), ended_utc=AS_OF, slate_date=SLATE),
    )  # fmt: skip
    out = settings.output_dir / "monitoring"
    first = write_daily_report(wh, SLATE, out)
    second = write_daily_report(wh, SLATE, out)
    assert first.text == second.text == first.path.read_text(encoding="utf-8")
    assert "**DEGRADED**" in first.text
    assert "| ODDSSHARK | FAILED | failed | 1 | 1 | 403 |" in first.text
    assert first.path.stat().st_mode & 0o444 == 0o444  # readable by people, not just the owner


def test_a_frozen_clock_run_reads_success_in_both_reports(
    wh: Warehouse, settings: Settings
) -> None:
    """A frozen clock stamps the run's start and end with one instant: the reports read the
    registry's own state (v_run, where the end wins the tie), never RUNNING."""
    ctx = _world(wh, settings)
    from propledger.jobs.diagnostics import record_facts

    record_facts(ctx, SLATE)
    record(wh, RegistryEvent(run_id=ctx.run_id, step="run", event="end", status=RunStatus.SUCCESS,
                             recorded_utc=AS_OF, ended_utc=AS_OF, slate_date=SLATE))  # fmt: skip
    # the tie is real: the two events share recorded_utc, and ":start" sorts after ":end"
    assert wh.rows("SELECT DISTINCT recorded_utc FROM fact_run_registry WHERE step = 'run'") == [
        (AS_OF,)
    ]
    run = RunInfo.from_registry(wh, ctx.run_id)
    assert run is not None and (run.status, run.ended_utc) == ("SUCCESS", AS_OF)
    latest = RunInfo.latest_for_slate(wh, SLATE)
    assert latest is not None and latest.run_id == ctx.run_id and latest.status == "SUCCESS"
    out = settings.output_dir / "monitoring"
    daily = write_daily_report(wh, SLATE, out).text
    assert f"Run `{ctx.run_id}` (daily): **SUCCESS**" in daily
    rolling = write_rolling_report(wh, out, through=SLATE).text
    runs = rolling.split("## Run outcomes\n", 1)[1].split("\n## ", 1)[0]
    head = next(line for line in runs.splitlines() if line.startswith("| window"))
    row = next(line for line in runs.splitlines() if line.startswith("| 7 days"))
    cells = dict(zip(_cells(head), _cells(row), strict=True))
    assert cells["runs"] == "1" and cells["success (all / latest)"] == "1 / 1", row
    assert cells["running (all / latest)"] == "0 / 0", row


def test_the_rolling_report_names_its_own_run_when_that_run_is_still_running(
    wh: Warehouse, settings: Settings
) -> None:
    """The driver writes the rolling report from its diagnostics step: its own run counts as
    RUNNING, and the report says so instead of leaving a reader to suspect a hung run."""
    ctx = _world(wh, settings)
    from propledger.jobs.diagnostics import record_facts

    record_facts(ctx, SLATE)
    out = settings.output_dir / "monitoring"
    note = f"_Running includes this report's own run `{ctx.run_id}`"
    own = write_rolling_report(wh, out, through=SLATE, current_run=ctx.run_id).text
    runs = own.split("## Run outcomes\n", 1)[1].split("\n## ", 1)[0]
    head = next(line for line in runs.splitlines() if line.startswith("| window"))
    row = next(line for line in runs.splitlines() if line.startswith("| 7 days"))
    assert dict(zip(_cells(head), _cells(row), strict=True))["running (all / latest)"] == "1 / 1"
    assert note in runs
    assert note not in write_rolling_report(wh, out, through=SLATE).text
    other = write_rolling_report(wh, out, through=SLATE, current_run="20260101T000000Z-x").text
    assert "this report's own run" not in other
    record(wh, RegistryEvent(run_id=ctx.run_id, step="run", event="end", status=RunStatus.SUCCESS,
                             recorded_utc=AS_OF, ended_utc=AS_OF, slate_date=SLATE))  # fmt: skip
    ended = write_rolling_report(wh, out, through=SLATE, current_run=ctx.run_id).text
    assert "this report's own run" not in ended


def test_top_lines_name_each_bet_once_at_its_best_price(wh: Warehouse, settings: Settings) -> None:
    """The world quotes one bet (Matthews GOALS 0.5 OVER, p 0.6) at FanDuel 2.0 (EV +0.2) and
    DraftKings 2.5 (EV +0.5): one row, the better price, and the count of qualifying quotes."""
    ctx = _world(wh, settings)
    from propledger.jobs.diagnostics import record_facts

    record_facts(ctx, SLATE)
    text = write_daily_report(
        wh, SLATE, settings.output_dir / "monitoring", run=_run_info(ctx)
    ).text

    def rows(title: str) -> list[dict[str, str]]:
        part = text.split(title, 1)[1].split("\n#", 1)[0]
        lines = [ln for ln in part.splitlines() if ln.startswith("|") and "---" not in ln]
        return [dict(zip(_cells(lines[0]), _cells(ln), strict=True)) for ln in lines[1:]]

    top = rows("### Top lines")
    # EV +0.5 is above the 0.25 audit threshold, and DraftKings quotes no under: both are said
    assert [(r["side"], r["book"], r["EV"], r["quotes"], r["flags"]) for r in top] == [
        ("OVER", "DraftKings (UNABATED)", "+0.500", "2", "AUDIT, no pair")
    ]
    audit = rows("### Audit flags")  # only DraftKings is above the 0.25 audit threshold
    assert [(r["book"], r["quotes"], r["flags"]) for r in audit] == [
        ("DraftKings (UNABATED)", "1", "AUDIT, no pair")
    ]
    assert (
        "ordered by market priority (GOALS, ASSISTS, POINTS, then the others) and then by EV"
        in text
    )
    assert "_Ordered by EV alone, every market together" in text


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_report_commands_rewrite_from_the_warehouse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_env(
        {
            "PROPLEDGER_DATA_DIR": str(tmp_path / "data"),
            "PROPLEDGER_OUTPUT_DIR": str(tmp_path / "outputs"),
        }
    )
    for argv in (["report", "rolling"], ["report", "daily", "--date", "2026-01-14"]):
        assert main(argv) == 2
        assert "no warehouse at" in capsys.readouterr().err
    assert not Path(settings.warehouse_path).exists()  # no empty warehouse created to say so
    Warehouse.open(settings.warehouse_path).close()
    assert main(["report", "rolling"]) == 2
    assert "no daily facts yet" in capsys.readouterr().err
    assert main(["report", "daily", "--date", "2026-01-14"]) == 2
    assert "no run and no daily facts for slate 2026-01-14" in capsys.readouterr().err
    assert not (tmp_path / "outputs" / "monitoring" / "daily_report_2026-01-14.md").exists()
    wh = Warehouse.open(settings.warehouse_path)
    try:
        ctx = _world(wh, settings)
        from propledger.jobs.diagnostics import record_facts

        record_facts(ctx, SLATE)
    finally:
        wh.close()
    assert main(["report", "daily", "--date", "2026-01-14"]) == 0
    out = capsys.readouterr().out
    report = tmp_path / "outputs" / "monitoring" / "daily_report_2026-01-14.md"
    assert f"daily report: {report}" in out and report.exists()
    assert main(["report", "rolling"]) == 0
    assert "rolling report through 2026-01-14" in capsys.readouterr().out
    assert (tmp_path / "outputs" / "monitoring" / "rolling_report.md").exists()
    assert main(["report", "daily", "--date", "14/01/2026"]) == 2
    assert "--date '14/01/2026' is not a date" in capsys.readouterr().err


def _no_facts_yet(text: str) -> Any:
    return "No daily facts yet" in text


def test_rolling_report_without_facts_says_so(wh: Warehouse, tmp_path: Path) -> None:
    result = write_rolling_report(wh, tmp_path)
    assert result.through is None and _no_facts_yet(result.text) and result.plots == ()
