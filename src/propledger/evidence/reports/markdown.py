"""Small, deterministic Markdown helpers for the monitoring reports (and atomic writes)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from propledger.clock import ensure_utc

DASH = "–"

#: The data-terms credit every report carries.
CREDIT = (
    "Player, team and goalie history: game-by-game data from "
    "[MoneyPuck.com](https://moneypuck.com), free for non-commercial use with attribution. "
    "Schedules and box scores: the NHL's public API (api-web.nhle.com)."
)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def num(value: Any, digits: int = 3) -> str:
    """A float with ``digits`` decimals (``–`` for missing), ints as they are; thousands
    separated either way (``1,210`` whether a count or a mean of counts)."""
    if _missing(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)  # DuckDB's sum() of integers is a HUGEINT (a Decimal in Arrow)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.{digits}f}"


def signed(value: Any, digits: int = 3) -> str:
    """A difference with an explicit sign (``+0.012``, ``+1,210``)."""
    if _missing(value):
        return DASH
    shown = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0: no "-0.000"
    return f"{shown:+,.{digits}f}"


def pct(value: Any, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage."""
    return DASH if _missing(value) else f"{100 * float(value):.{digits}f}%"


def ts(value: dt.datetime | None) -> str:
    """``2026-01-14 17:00Z`` (UTC, minutes)."""
    return DASH if value is None else ensure_utc(value).strftime("%Y-%m-%d %H:%MZ")


def minutes(value: Any) -> str:
    """Minutes as ``45 min`` or ``5.2 h``."""
    if _missing(value):
        return DASH
    m = float(value)
    return f"{m:.0f} min" if abs(m) < 120 else f"{m / 60:.1f} h"


def cell(text: Any) -> str:
    """Table-safe text: pipes escaped, newlines flattened."""
    return str(text).replace("|", "\\|").replace("\n", " ") if text not in (None, "") else DASH


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A GitHub Markdown table; ``align`` is one letter per column (l or r, default l then r)."""
    spec = align or ("l" + "r" * (len(headers) - 1))
    rule = ["---:" if a == "r" else ":---" for a in spec]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


__all__ = [
    "CREDIT",
    "DASH",
    "cell",
    "minutes",
    "num",
    "pct",
    "signed",
    "table",
    "ts",
]
