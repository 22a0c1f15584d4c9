"""Backfill arguments: every bad one is a one-line error with exit 2, before anything is touched."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propledger.cli import main
from propledger.errors import ConfigError
from propledger.jobs.backfill_args import (
    MAX_REQUESTS_LIMIT,
    MAX_SECONDS_LIMIT,
    BackfillRequest,
    BackfillSource,
    OnError,
)
from propledger.settings import Settings

NOW = "2026-01-16T12:00:00Z"
GOOD = [
    "--start",
    "2026-01-05",
    "--end",
    "2026-01-12",
    "--max-requests",
    "10",
    "--max-seconds",
    "60",
]
ROOT = Path(__file__).resolve().parents[2]


def _with(**changes: str | None) -> list[str]:
    """GOOD with options replaced (value) or removed (None)."""
    args = dict(zip(GOOD[::2], GOOD[1::2], strict=True))
    for name, value in changes.items():
        flag = "--" + name.replace("_", "-")
        if value is None:
            args.pop(flag)
        else:
            args[flag] = value
    return [x for pair in args.items() for x in pair]


BAD = [
    (_with(start=None), "--start is required"),
    (_with(end=None), "--end is required"),
    (_with(start="2026-1-5"), "--start '2026-1-5' is not a date; use YYYY-MM-DD"),
    (_with(end="yesterday"), "--end 'yesterday' is not a date"),
    (_with(start="2026-02-30"), "--start '2026-02-30' is not a date"),
    (_with(start="2026-01-12", end="2026-01-05"), "must be before --end 2026-01-05"),
    (_with(start="2026-01-12", end="2026-01-12"), "the range is half-open"),
    (_with(start="2025-10-01", end="2026-01-12"), "spans 103 days, more than the maximum of 92"),
    (_with(start="2026-02-01", end="2026-02-03"), "is after today's slate date 2026-01-16"),
    (_with(max_requests=None), "--max-requests is mandatory"),
    (_with(max_seconds=None), "--max-seconds is mandatory"),
    (_with(max_requests="0"), "--max-requests '0' must be positive"),
    (_with(max_requests="-3"), "--max-requests '-3' must be positive"),
    (_with(max_requests="2.5"), "--max-requests '2.5' is not a whole number"),
    (_with(max_requests="lots"), "is not a whole number"),
    (_with(max_requests="10001"), "above the hard limit of 10000"),
    (_with(max_seconds="0"), "--max-seconds '0' must be positive"),
    (_with(max_seconds="-1"), "must be positive"),
    (_with(max_seconds="nan"), "must be positive"),
    (_with(max_seconds="inf"), "must be positive"),
    (_with(max_seconds="21601"), "above the hard limit of 21600"),
    ([*GOOD, "--source", "s3"], "--source 's3' is unknown; use archive or remote"),
    ([*GOOD, "--on-error", "ignore"], "--on-error 'ignore' is unknown; use stop or continue"),
    ([*GOOD, "--source", "remote"], "--source remote needs PROPLEDGER_UNABATED_ARCHIVE_URL"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[m[:40] for _, m in BAD])
def test_bad_arguments_are_one_line_errors_with_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["backfill", "unabated", *args, "--now", NOW])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert not (tmp_path / "data").exists()  # nothing created: no warehouse, no lock


def test_the_archive_url_must_be_an_archive_not_the_live_feed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for url, message in (
        ("ftp://example.org/a", "must be an http:// or https:// URL"),
        ("https://content.unabated.com/markets/v2", "points at the live Unabated feed"),
    ):
        monkeypatch.setenv("PROPLEDGER_UNABATED_ARCHIVE_URL", url)
        assert main(["backfill", "unabated", *GOOD, "--source", "remote", "--now", NOW]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err


def test_the_span_limit_is_configurable_and_inclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.from_env({"PROPLEDGER_BACKFILL_MAX_SPAN_DAYS": "7"})
    today = dt.date(2026, 1, 16)
    ok = BackfillRequest.from_args(
        start="2026-01-05", end="2026-01-12", max_requests="1", max_seconds="0.5",
        settings=settings, today=today,
    )  # fmt: skip
    assert (ok.span_days, ok.max_requests, ok.max_seconds) == (7, 1, 0.5)
    assert (ok.source, ok.on_error, ok.resume, ok.reparse) == (
        BackfillSource.ARCHIVE,
        OnError.STOP,
        True,
        False,
    )
    with pytest.raises(ConfigError, match="spans 8 days, more than the maximum of 7"):
        BackfillRequest.from_args(
            start="2026-01-04", end="2026-01-12", max_requests="1", max_seconds="1",
            settings=settings, today=today,
        )  # fmt: skip


@given(requests=st.text(max_size=8), seconds=st.text(max_size=8))
def test_any_bound_text_is_accepted_within_limits_or_refused_with_a_config_error(
    requests: str, seconds: str
) -> None:
    try:
        request = BackfillRequest.from_args(
            start="2026-01-05", end="2026-01-06", max_requests=requests, max_seconds=seconds,
            settings=Settings(), today=dt.date(2026, 1, 16),
        )  # fmt: skip
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return
    assert 1 <= request.max_requests <= MAX_REQUESTS_LIMIT
    assert 0 < request.max_seconds <= MAX_SECONDS_LIMIT


def _pipeline() -> ModuleType:
    path = ROOT / "pipelines" / "odds" / "backfill_unabated_snapshots.py"
    spec = importlib.util.spec_from_file_location("backfill_unabated_snapshots", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pipeline_entrypoint_validates_like_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = _pipeline()
    assert pipeline.main([*_with(max_seconds=None), "--now", NOW]) == 2
    assert "--max-seconds is mandatory" in capsys.readouterr().err
    assert pipeline.main(["--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--start", "--end", "--max-requests", "--max-seconds", "--source", "--dry-run",
                   "--resume", "--reparse", "--on-error", "--now"):  # fmt: skip
        assert option in out
