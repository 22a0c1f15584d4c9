"""The EV step job: fact_ev_candidate rows, the CSV/Markdown report, idempotent re-runs."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from evworld import (
    AS_OF,
    CAPTURE,
    MATTHEWS,
    SLATE,
    SNAP_TS,
    add_games,
    add_odds,
    add_snapshot,
    odds_row,
    snapshot_row,
)
from propledger.clock import FrozenClock
from propledger.context import Context
from propledger.errors import PipelineError
from propledger.ev.report import CSV_COLUMNS, report_paths
from propledger.evidence.warehouse import Warehouse
from propledger.jobs.ev import CANDIDATE_COLUMNS, EvStepResult, run_ev_step
from propledger.settings import Settings

MIN = dt.timedelta(minutes=1)
MARNER = 8478483


def _ctx(wh: Warehouse, settings: Settings, at: dt.datetime = AS_OF) -> Context:
    return Context(settings, FrozenClock(at), "run-ev", _warehouse=wh)


def _world(wh: Warehouse) -> None:
    add_games(wh)
    add_snapshot(
        wh,
        snapshot_row(0.40),
        # calibrated ASSISTS: raw 0.30, policy 0.36
        snapshot_row(
            0.36,
            market="ASSISTS",
            p_over_raw=0.30,
            p_under_raw=0.70,
            p_over_cal=0.36,
            prob_source="Calibrated",
            calibrator_version="cal-assists-v1",
        ),
        snapshot_row(0.40, player_id=MARNER, player_name="Mitch Marner"),
    )
    add_odds(
        wh,
        odds_row("OVER", 2.8),  # EV +0.12
        odds_row("UNDER", 1.45),  # EV −0.13
        odds_row("OVER", 3.2, market_type="ASSISTS"),  # EV 0.36·3.2 − 1 = +0.152
        # EV 0.4·3.5 − 1 = +0.40 > 0.25: flagged for audit, still a best bet
        odds_row("OVER", 3.5, player_id=MARNER, player_name_raw="Mitch Marner"),
        odds_row("OVER", 2.8, capture_ts_utc=SNAP_TS - 200 * MIN, book_name_raw="Old"),  # stale
        odds_row("OVER", 2.8, book_type="DFS_FIXED_PAYOUT", book_name_raw="PrizePicks"),  # dfs
    )


def test_step_stores_every_joined_row_and_reports(wh: Warehouse, settings: Settings) -> None:
    _world(wh)
    result = run_ev_step(_ctx(wh, settings), SLATE)
    assert isinstance(result, EvStepResult)
    assert (result.odds_rows, result.rows_joined, result.rows_written) == (6, 4, 4)
    assert (result.candidates, result.best_bets, result.audit_flags) == (3, 3, 1)
    assert result.reason_counts["stale"] == 1 and result.reason_counts["dfs"] == 1
    assert result.snapshot_ts == SNAP_TS and result.as_of == AS_OF

    stored = wh.arrow(
        "SELECT market, side, player_id, ev, p_model, p_fair, is_candidate, is_best_bet, "
        "audit_flag, run_id FROM fact_ev_candidate ORDER BY market, player_id, side"
    ).to_pylist()
    assert [(r["market"], r["player_id"], r["side"]) for r in stored] == [
        ("ASSISTS", MATTHEWS, "OVER"),
        ("GOALS", MARNER, "OVER"),
        ("GOALS", MATTHEWS, "OVER"),
        ("GOALS", MATTHEWS, "UNDER"),
    ]
    assert [r["ev"] for r in stored] == pytest.approx([0.152, 0.40, 0.12, -0.13], abs=1e-12)
    assert [r["audit_flag"] for r in stored] == [False, True, False, False]
    assert stored[0]["p_model"] == 0.36  # the calibrated policy probability, not the raw one
    assert {r["run_id"] for r in stored} == {"run-ev"}
    columns = [c for c, _ in wh.columns("fact_ev_candidate")]
    assert set(CANDIDATE_COLUMNS) <= set(columns)


def test_report_files_best_bets_why_audit_and_join_counts(
    wh: Warehouse, settings: Settings
) -> None:
    _world(wh)
    result = run_ev_step(_ctx(wh, settings), SLATE)
    paths = report_paths(settings.output_dir, SLATE)
    assert (result.csv_path, result.md_path) == (paths.csv, paths.md)
    assert paths.csv.name == "ev_report_2026-01-14.csv"

    with paths.csv.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(CSV_COLUMNS)
    # best bets by rank (GOALS before ASSISTS, then EV), then the rest by EV
    assert [(r["rank"], r["market"], r["player_id"]) for r in rows] == [
        ("1", "GOALS", str(MARNER)),
        ("2", "GOALS", str(MATTHEWS)),
        ("3", "ASSISTS", str(MATTHEWS)),
        ("", "GOALS", str(MATTHEWS)),
    ]
    assert rows[1]["capture_ts_utc"] == "2026-01-14T16:30:00Z"
    assert float(rows[1]["ev"]) == pytest.approx(0.12, abs=1e-12)

    md = paths.md.read_text()
    assert (
        "| 2 | Auston Matthews (TOR) | TOR@BOS | GOALS | 0.5 | OVER | FanDuel (UNABATED) "
        "| +180 (2.80) | 0.400 | Raw | 0.341 |  | +0.120 |  |"
    ) in md
    assert "μ = 0.510 (base 0.500 × opp xGA 1.020), Poisson" in md
    assert "p_over raw 0.3000 → calibrated 0.3600 (calibrator cal-assists-v1)" in md
    audit = md.split("## Audit flags")[1].split("## Join")[0]
    assert "Mitch Marner" in audit and "AUDIT" in audit and "Auston" not in audit
    join = md.split("## Join")[1]
    assert "| joined | 4 |" in join and "| stale | 1 |" in join and "| dfs | 1 |" in join
    assert "| total | 6 |" in join
    # written atomically: no temp files left behind
    assert sorted(p.name for p in paths.csv.parent.iterdir()) == [paths.csv.name, paths.md.name]


def test_identical_rerun_adds_nothing_and_rewrites_identical_files(
    wh: Warehouse, settings: Settings
) -> None:
    _world(wh)
    first = run_ev_step(_ctx(wh, settings), SLATE)
    md, csv_bytes = first.md_path.read_bytes(), first.csv_path.read_bytes()
    second = run_ev_step(_ctx(wh, settings), SLATE)
    assert second.rows_written == 0 and wh.count("fact_ev_candidate") == 4
    assert second.md_path.read_bytes() == md and second.csv_path.read_bytes() == csv_bytes


def test_new_capture_appends_a_version_and_the_latest_view_keeps_it(
    wh: Warehouse, settings: Settings
) -> None:
    _world(wh)
    run_ev_step(_ctx(wh, settings), SLATE)
    add_odds(wh, odds_row("OVER", 3.0, capture_ts_utc=CAPTURE + 20 * MIN))
    later = run_ev_step(_ctx(wh, settings, AS_OF + 10 * MIN), SLATE)
    # the new OVER row, and a new version of the UNDER row whose same-capture pair is gone
    assert later.rows_written == 2
    latest = wh.rows(
        "SELECT odds_decimal FROM v_ev_candidate_latest "
        "WHERE market = 'GOALS' AND player_id = ? AND side = 'OVER'",
        [MATTHEWS],
    )
    assert latest == [(3.0,)]
    assert wh.scalar("SELECT count(*) FROM v_ev_candidate_latest") == 4


def test_step_without_snapshot_fails_clearly_and_writes_nothing(
    wh: Warehouse, settings: Settings
) -> None:
    add_games(wh)
    add_odds(wh, odds_row())
    with pytest.raises(PipelineError, match="no probability snapshot for slate 2026-01-14"):
        run_ev_step(_ctx(wh, settings), SLATE)
    assert wh.count("fact_ev_candidate") == 0
    assert not Path(settings.output_dir / "ev").exists()


def test_slate_with_snapshot_but_no_odds_still_reports(wh: Warehouse, settings: Settings) -> None:
    add_games(wh)
    add_snapshot(wh, snapshot_row(0.4))
    result = run_ev_step(_ctx(wh, settings), SLATE)
    assert (result.odds_rows, result.rows_joined, result.rows_written) == (0, 0, 0)
    md = result.md_path.read_text()
    assert "## Best bets\n\n(none)" in md and "(no best bets)" in md


DOC = (Path(__file__).parents[2] / "docs" / "ev.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("table", ["fact_ev_candidate", "fact_settlement", "fact_ev_settlement"])
def test_tables_and_columns_are_documented(wh: Warehouse, table: str) -> None:
    assert f"### `{table}`" in DOC
    missing = [name for name, _ in wh.columns(table) if f"`{name}`" not in DOC]
    assert missing == [], f"{table}: document {missing} in docs/ev.md"


def test_view_reasons_and_voids_are_documented() -> None:
    from propledger.ev.join import JoinReason
    from propledger.ev.settle import VoidReason

    assert "`v_ev_candidate_latest`" in DOC
    assert [r.value for r in JoinReason if f"| `{r.value}` |" not in DOC] == []
    assert [v.value for v in VoidReason if f"`{v.value}`" not in DOC] == []


def test_distinct_selections_keeps_the_first_quote_of_each_bet() -> None:
    from propledger.ev.report import distinct_selections

    def q(player: int, side: str, book: str, line: float = 0.5) -> dict[str, object]:
        return {"game_id": 1, "player_id": player, "market": "GOALS", "line": line, "side": side,
                "book_name_raw": book}  # fmt: skip

    rows = [q(7, "OVER", "DK"), q(7, "OVER", "FD"), q(8, "OVER", "FD"), q(7, "UNDER", "FD"),
            q(7, "OVER", "DK", line=1.5), q(8, "OVER", "DK")]  # fmt: skip
    assert [(r["player_id"], r["side"], r["line"], r["book_name_raw"]) for r in distinct_selections(rows)] == [
        (7, "OVER", 0.5, "DK"), (8, "OVER", 0.5, "FD"), (7, "UNDER", 0.5, "FD"), (7, "OVER", 1.5, "DK"),
    ]  # fmt: skip
