from __future__ import annotations

from pathlib import Path

import pytest

from propledger.errors import ConfigError
from propledger.settings import Settings


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
        ("PROPLEDGER_HTTP_MAX_ATTEMPTS", "0", "must be > 0"),
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
