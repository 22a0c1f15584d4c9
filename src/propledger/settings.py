"""Settings, built once at the edge from an environment mapping.

Library code never reads ``os.environ``: entrypoints call ``Settings.from_env(os.environ)`` and
pass the frozen result down. Every environment name is listed in the README (a test checks).
Secrets live in :class:`Secrets`, whose ``repr`` never shows a value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from propledger.errors import ConfigError

#: Every external source we talk to, each through the one hardened HTTP client.
SOURCES: tuple[str, ...] = ("playnow", "kambi", "unabated", "oddsshark", "nhl_api", "moneypuck")
#: The odds vendors of step 1 (Kambi is PlayNow's alternative platform, not a vendor of its own).
ODDS_VENDORS: tuple[str, ...] = ("playnow", "unabated", "oddsshark")

DEFAULT_BASE_URLS: dict[str, str] = {
    "playnow": "https://content.sb.playnow.com/content-service/api/v1/q",
    "kambi": "https://eu-offering-api.kambicdn.com/offering/v2018",
    "unabated": "https://content.unabated.com/markets/v2",
    "oddsshark": "https://www.oddsshark.com",
    "nhl_api": "https://api-web.nhle.com/v1",
    "moneypuck": "https://moneypuck.com/moneypuck/playerData",
}

#: Per-source departures from the HTTP defaults (env overrides still win). History sources
#: fetch many files in one refresh (two seasons ≈ 133 MoneyPuck files, paced 1 s apart, and
#: ≈ 150 NHL schedule/box-score calls), so their budget and deadline are larger; odds vendors
#: make a handful of calls and keep the tight defaults.
SOURCE_HTTP_DEFAULTS: dict[str, dict[str, float]] = {
    "moneypuck": {"vendor_deadline": 900.0, "request_budget": 600},
    "nhl_api": {"vendor_deadline": 600.0, "request_budget": 2000},
}

STEP_ENV: dict[str, str] = {
    "odds": "RUN_ODDS_INGESTION",
    "production": "RUN_PRODUCTION",
    "ev": "RUN_EV",
    "outcomes": "RUN_OUTCOMES",
    "diagnostics": "RUN_DIAGNOSTICS",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def parse_number(name: str, raw: str, *, integer: bool = False, allow_zero: bool = True) -> float:
    """A finite number ≥ 0 (> 0 unless ``allow_zero``); every message names what is accepted."""
    kind = "an integer" if integer else "a number"
    bound = "≥ 0" if allow_zero else "> 0"
    try:
        value = float(int(raw.strip())) if integer else float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not {kind}; it must be {kind} {bound}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{name}={raw!r} is not finite; it must be {kind} {bound}")
    if value < 0 or (value == 0 and not allow_zero):
        what = "negative" if value < 0 else "zero"
        raise ConfigError(f"{name}={raw!r} is {what}; it must be {kind} {bound}")
    return value


def parse_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class HttpSettings:
    """HTTP defaults of DESIGN section 8. Times in seconds."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 60.0
    breaker_threshold: int = 5
    vendor_deadline: float = 60.0
    request_budget: int = 200

    @classmethod
    def from_env(cls, env: Mapping[str, str], prefix: str, base: HttpSettings) -> HttpSettings:
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = f"{prefix}{f.name.upper()}"
            if name in env and env[name].strip() != "":
                integer = f.type in ("int", int)
                number = parse_number(
                    name, env[name], integer=integer, allow_zero=f.name not in _POSITIVE_HTTP
                )
                values[f.name] = int(number) if integer else number
        return dataclasses.replace(base, **values)


_POSITIVE_HTTP = {
    "max_attempts",
    "breaker_threshold",
    "request_budget",
    "connect_timeout",
    "read_timeout",
    "write_timeout",
    "pool_timeout",
    "vendor_deadline",
}


@dataclass(frozen=True)
class Secrets:
    """Credentials from the environment. Never printed, logged, stored or archived."""

    playnow_cookie: str = field(default="", repr=False)
    unabated_api_key: str = field(default="", repr=False)

    def values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.playnow_cookie, self.unabated_api_key) if v)

    def __repr__(self) -> str:
        shown = {
            f.name: ("set" if getattr(self, f.name) else "unset") for f in dataclasses.fields(self)
        }
        return f"Secrets({shown})"


@dataclass(frozen=True)
class EvSettings:
    """EV join and selection knobs (issue 6). Probabilities and EV are per unit stake."""

    odds_freshness_minutes: float = 90.0
    exclude_book_types: tuple[str, ...] = ("DFS_FIXED_PAYOUT",)
    exclude_markets: tuple[str, ...] = ()
    min_ev: float = 0.02
    audit_ev: float = 0.25
    sharp_books: tuple[str, ...] = ("Pinnacle", "Novig")


@dataclass(frozen=True)
class Settings:
    """Everything configurable, resolved once. Paths are relative to the working directory."""

    data_dir: Path = Path("data")
    output_dir: Path = Path("outputs")
    warehouse: str = ""
    http: HttpSettings = field(default_factory=HttpSettings)
    http_overrides: Mapping[str, HttpSettings] = field(default_factory=dict)
    base_urls: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_BASE_URLS))
    secrets: Secrets = field(default_factory=Secrets)
    playnow_platform: str = "openbet"
    kambi_brand: str = "playnow"
    unabated_archive_url: str = ""
    forced_failures: frozenset[str] = frozenset()
    vendors: tuple[str, ...] = ODDS_VENDORS
    disable_calibration: bool = False
    history_max_age_hours: float = 12.0
    ev: EvSettings = field(default_factory=EvSettings)
    step_env: Mapping[str, bool] = field(default_factory=dict)
    backfill_max_span_days: int = 92
    #: ``<step>:<before|during|after>``: SIGKILL the daily run at that point (crash tests only)
    crash_at: str = ""

    # ---- derived paths -------------------------------------------------------------------
    @property
    def warehouse_path(self) -> str:
        """The DuckDB file (or ``:memory:``)."""
        return self.warehouse or str(self.data_dir / "warehouse.duckdb")

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def sample_dir(self) -> Path:
        return self.data_dir / "sample"

    def http_for(self, source: str) -> HttpSettings:
        return self.http_overrides.get(source, self.http)

    def base_url(self, source: str) -> str:
        return self.base_urls[source].rstrip("/")

    def is_forced_failure(self, source: str) -> bool:
        return "ALL" in self.forced_failures or source.upper() in self.forced_failures

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def public_dict(self) -> dict[str, Any]:
        """Every setting except secrets, JSON-ready (for the run registry and --dry-run).

        Configured URLs are shown sanitised: userinfo and signed/secret query parameters
        (``X-Amz-Signature``, ``sig``, ``token``, …) never appear in printed config."""
        from propledger.http_secrets import sanitize_url  # lazy: http_secrets imports settings

        out = dataclasses.asdict(self)
        out["forced_failures"] = sorted(self.forced_failures)  # a JSON list, not a set's repr
        secrets = self.secrets.values()
        out["base_urls"] = {k: sanitize_url(v, secrets) for k, v in self.base_urls.items()}
        if self.unabated_archive_url:
            out["unabated_archive_url"] = sanitize_url(self.unabated_archive_url, secrets)
        out.pop("secrets")
        out["secrets"] = {
            k: ("set" if v else "unset") for k, v in dataclasses.asdict(self.secrets).items()
        }
        clean: dict[str, Any] = json.loads(json.dumps(out, default=str, sort_keys=True))
        return clean

    def config_hash(self) -> str:
        blob = json.dumps(self.public_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping; any invalid value is a ConfigError."""

        def get(name: str, default: str = "") -> str:
            return env.get(name, default)

        http = HttpSettings.from_env(env, "PROPLEDGER_HTTP_", HttpSettings())
        overrides = {}
        for source in SOURCES:
            prefix = f"PROPLEDGER_{source.upper()}_HTTP_"
            base = http
            if source in SOURCE_HTTP_DEFAULTS:
                # a global env override of the same field applies to this source too
                changed = {
                    k: (int(v) if k in ("request_budget",) else v)
                    for k, v in SOURCE_HTTP_DEFAULTS[source].items()
                    if f"PROPLEDGER_HTTP_{k.upper()}" not in env
                }
                base = dataclasses.replace(http, **changed)  # type: ignore[arg-type]
            if base is not http or any(k.startswith(prefix) for k in env):
                overrides[source] = HttpSettings.from_env(env, prefix, base)

        base_urls = dict(DEFAULT_BASE_URLS)
        for source in SOURCES:
            url = get(f"PROPLEDGER_{source.upper()}_BASE_URL").strip()
            if url:
                if not url.startswith(("http://", "https://")):
                    raise ConfigError(
                        f"PROPLEDGER_{source.upper()}_BASE_URL={url!r} must start with http:// or https://"
                    )
                base_urls[source] = url

        forced: set[str] = set()
        for source in SOURCES:
            name = f"FORCE_{source.upper()}_FAILURE"
            if name in env and parse_bool(name, env[name]):
                forced.add(source.upper())
        for item in parse_list(get("FORCE_VENDOR_FAILURE")):
            item = item.upper()
            if item != "ALL" and item.lower() not in SOURCES:
                raise ConfigError(
                    f"FORCE_VENDOR_FAILURE={item!r} is unknown; use ALL or one of "
                    + ", ".join(s.upper() for s in SOURCES)
                )
            forced.add(item)

        vendors = ODDS_VENDORS
        if get("PROPLEDGER_VENDORS").strip():
            vendors = parse_vendors(get("PROPLEDGER_VENDORS"), "PROPLEDGER_VENDORS")

        platform = get("PROPLEDGER_PLAYNOW_PLATFORM", "openbet").strip().lower() or "openbet"
        if platform not in ("openbet", "kambi"):
            raise ConfigError(
                f"PROPLEDGER_PLAYNOW_PLATFORM={platform!r} is unknown; use openbet or kambi"
            )

        ev_defaults = EvSettings()
        ev = EvSettings(
            odds_freshness_minutes=_num(
                env,
                "EV_ODDS_FRESHNESS_MINUTES",
                ev_defaults.odds_freshness_minutes,
                allow_zero=False,
            ),
            exclude_book_types=parse_list(
                get("EV_EXCLUDE_BOOK_TYPES", ",".join(ev_defaults.exclude_book_types))
            ),
            exclude_markets=tuple(m.upper() for m in parse_list(get("EV_EXCLUDE_MARKETS"))),
            min_ev=_num(env, "EV_MIN", ev_defaults.min_ev),
            audit_ev=_num(env, "EV_AUDIT_THRESHOLD", ev_defaults.audit_ev, allow_zero=False),
            sharp_books=parse_list(get("EV_SHARP_BOOKS", ",".join(ev_defaults.sharp_books))),
        )

        steps = {
            step: parse_bool(name, env[name]) for step, name in STEP_ENV.items() if name in env
        }

        return cls(
            data_dir=Path(get("PROPLEDGER_DATA_DIR", "data") or "data"),
            output_dir=Path(get("PROPLEDGER_OUTPUT_DIR", "outputs") or "outputs"),
            warehouse=get("PROPLEDGER_WAREHOUSE").strip(),
            http=http,
            http_overrides=overrides,
            base_urls=base_urls,
            secrets=Secrets(
                playnow_cookie=get("PLAYNOW_COOKIE"),
                unabated_api_key=get("UNABATED_API_KEY"),
            ),
            playnow_platform=platform,
            kambi_brand=get("PROPLEDGER_KAMBI_BRAND", "playnow").strip() or "playnow",
            unabated_archive_url=get("PROPLEDGER_UNABATED_ARCHIVE_URL").strip(),
            forced_failures=frozenset(forced),
            vendors=vendors,
            disable_calibration=parse_bool("DISABLE_CALIBRATION", get("DISABLE_CALIBRATION", "0")),
            history_max_age_hours=_num(env, "PROPLEDGER_HISTORY_MAX_AGE_HOURS", 12.0),
            ev=ev,
            step_env=steps,
            backfill_max_span_days=int(
                _num(env, "PROPLEDGER_BACKFILL_MAX_SPAN_DAYS", 92, integer=True, allow_zero=False)
            ),
            crash_at=parse_crash_at(get("PROPLEDGER_CRASH_AT")),
        )


def parse_vendors(raw: str, what: str = "--vendors") -> tuple[str, ...]:
    vendors = tuple(v.lower() for v in parse_list(raw))
    unknown = [v for v in vendors if v not in ODDS_VENDORS]
    if unknown or not vendors:
        raise ConfigError(
            f"{what}={raw!r}: unknown vendor {', '.join(unknown) or '(empty)'}; "
            f"use a comma list of {', '.join(ODDS_VENDORS)}"
        )
    return vendors


#: where ``PROPLEDGER_CRASH_AT`` may kill a daily run: the run itself or one of its steps
CRASH_STEPS: tuple[str, ...] = ("run", *STEP_ENV)
CRASH_WHEN: tuple[str, ...] = ("before", "during", "after")


def parse_crash_at(raw: str) -> str:
    """``PROPLEDGER_CRASH_AT=<step>:<before|during|after>`` (empty: never crash)."""
    value = raw.strip().lower()
    if not value:
        return ""
    step, _, when = value.partition(":")
    if step not in CRASH_STEPS or when not in CRASH_WHEN:
        raise ConfigError(
            f"PROPLEDGER_CRASH_AT={raw!r} is not <step>:<when>; step is one of "
            f"{', '.join(CRASH_STEPS)}, when one of {', '.join(CRASH_WHEN)}"
        )
    return value


def _num(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    integer: bool = False,
    allow_zero: bool = True,
) -> float:
    raw = env.get(name, "")
    if raw.strip() == "":
        return default
    return parse_number(name, raw, integer=integer, allow_zero=allow_zero)


__all__ = [
    "DEFAULT_BASE_URLS",
    "ODDS_VENDORS",
    "SOURCES",
    "SOURCE_HTTP_DEFAULTS",
    "STEP_ENV",
    "EvSettings",
    "HttpSettings",
    "Secrets",
    "Settings",
    "parse_bool",
    "parse_crash_at",
    "parse_number",
    "parse_vendors",
]
