from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from propledger.cli import main
from propledger.errors import ConfigError
from propledger.settings import HttpSettings, Settings


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.data_dir == Path("data") and s.output_dir == Path("outputs")
    assert s.warehouse_path == str(Path("data") / "warehouse.duckdb")
    assert s.http.connect_timeout == 5 and s.http.read_timeout == 30 and s.http.max_attempts == 4
    assert s.vendors == ("playnow", "unabated", "oddsshark")
    assert not s.disable_calibration


def test_paths_follow_data_dir(tmp_path: Path) -> None:
    s = Settings.from_env(
        {"PROPLEDGER_DATA_DIR": str(tmp_path), "PROPLEDGER_OUTPUT_DIR": str(tmp_path / "o")}
    )
    assert s.raw_dir == tmp_path / "raw" and s.models_dir == tmp_path / "models"
    assert s.warehouse_path == str(tmp_path / "warehouse.duckdb")


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("PROPLEDGER_HTTP_READ_TIMEOUT", "abc", "not a number"),
        ("PROPLEDGER_HTTP_CONNECT_TIMEOUT", "-1", "negative"),
        ("PROPLEDGER_HTTP_MAX_ATTEMPTS", "2.5", "not an integer"),
        ("PROPLEDGER_HTTP_MAX_ATTEMPTS", "0", "is zero; it must be an integer > 0"),
        ("PROPLEDGER_HTTP_MAX_ATTEMPTS", "abc", "is not an integer; it must be an integer > 0"),
        ("PROPLEDGER_HTTP_BACKOFF_BASE", "abc", "is not a number; it must be a number ≥ 0"),
        ("PROPLEDGER_HTTP_READ_TIMEOUT", "inf", "is not finite; it must be a number > 0"),
        ("DISABLE_CALIBRATION", "maybe", "not a boolean"),
        ("PROPLEDGER_UNABATED_BASE_URL", "ftp://x", "must start with http"),
        ("FORCE_VENDOR_FAILURE", "bogus", "unknown"),
        ("PROPLEDGER_VENDORS", "playnow,draftkings", "unknown vendor"),
    ],
)
def test_invalid_values_are_one_line_errors(name: str, value: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        Settings.from_env({name: value})
    assert "\n" not in str(info.value) and name in str(info.value)


def test_per_vendor_http_override_inherits_global() -> None:
    s = Settings.from_env(
        {"PROPLEDGER_HTTP_READ_TIMEOUT": "7", "PROPLEDGER_UNABATED_HTTP_MAX_ATTEMPTS": "2"}
    )
    assert s.http_for("unabated").max_attempts == 2
    assert s.http_for("unabated").read_timeout == 7
    assert s.http_for("playnow").max_attempts == 4


def test_forced_failures() -> None:
    assert Settings.from_env({"FORCE_UNABATED_FAILURE": "1"}).is_forced_failure("unabated")
    assert not Settings.from_env({"FORCE_UNABATED_FAILURE": "1"}).is_forced_failure("playnow")
    assert Settings.from_env({"FORCE_VENDOR_FAILURE": "ALL"}).is_forced_failure("oddsshark")


def test_secrets_never_in_repr_or_public_dict() -> None:
    s = Settings.from_env({"PLAYNOW_COOKIE": "sekrit-cookie", "UNABATED_API_KEY": "sekrit-key"})
    assert "sekrit" not in repr(s)
    assert "sekrit" not in str(s.public_dict())
    assert s.secrets.values() == ("sekrit-cookie", "sekrit-key")
    assert len(s.config_hash()) == 16


def test_history_sources_get_larger_budgets_unless_overridden() -> None:
    s = Settings.from_env({})
    assert (
        s.http_for("moneypuck").vendor_deadline == 900
        and s.http_for("moneypuck").request_budget == 600
    )
    assert s.http_for("nhl_api").request_budget == 2000
    assert s.http_for("unabated").vendor_deadline == 60
    tight = Settings.from_env(
        {"PROPLEDGER_HTTP_VENDOR_DEADLINE": "5", "PROPLEDGER_NHL_API_HTTP_REQUEST_BUDGET": "7"}
    )
    assert tight.http_for("moneypuck").vendor_deadline == 5
    assert tight.http_for("nhl_api").request_budget == 7


#: every numeric setting (global and per-vendor HTTP fields, EV, history, backfill)
NUMERIC_SETTINGS = (
    *(f"PROPLEDGER_HTTP_{f.name.upper()}" for f in dataclasses.fields(HttpSettings)),
    "PROPLEDGER_UNABATED_HTTP_MAX_ATTEMPTS",
    "PROPLEDGER_NHL_API_HTTP_BACKOFF_MAX",
    "EV_ODDS_FRESHNESS_MINUTES",
    "EV_MIN",
    "EV_AUDIT_THRESHOLD",
    "PROPLEDGER_HISTORY_MAX_AGE_HOURS",
    "PROPLEDGER_BACKFILL_MAX_SPAN_DAYS",
)


@pytest.mark.parametrize("name", NUMERIC_SETTINGS)
def test_a_bad_number_says_what_is_really_accepted(name: str) -> None:
    """The message for garbage names a bound, and zero is accepted exactly when it says ≥ 0
    (PROPLEDGER_HTTP_MAX_ATTEMPTS=abc used to say "≥ 0" and then reject 0)."""
    with pytest.raises(ConfigError) as info:
        Settings.from_env({name: "abc"})
    text = str(info.value)
    accepts_zero = text.endswith("≥ 0")
    assert accepts_zero or text.endswith("> 0"), text
    if accepts_zero:
        Settings.from_env({name: "0"})
    else:
        with pytest.raises(ConfigError) as zero:
            Settings.from_env({name: "0"})
        assert str(zero.value).endswith(text[text.index("it must be") :])
    with pytest.raises(ConfigError) as negative:
        Settings.from_env({name: "-1"})
    assert "is negative" in str(negative.value)
    assert str(negative.value).endswith(text[text.index("it must be") :])


def test_forced_failures_print_as_a_sorted_json_list(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"FORCE_UNABATED_FAILURE": "1", "FORCE_VENDOR_FAILURE": "playnow"}
    assert Settings.from_env(env).public_dict()["forced_failures"] == ["PLAYNOW", "UNABATED"]
    assert Settings.from_env({}).public_dict()["forced_failures"] == []
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["config"]) == 0
    assert json.loads(capsys.readouterr().out)["forced_failures"] == ["PLAYNOW", "UNABATED"]
    assert main(["daily", "--dry-run", "--minimal"]) == 0
    out = capsys.readouterr().out
    assert "frozenset" not in out
    assert '"forced_failures": [\n    "PLAYNOW",\n    "UNABATED"\n  ],' in out
