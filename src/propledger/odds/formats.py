"""Exact conversions between decimal, American and fractional odds.

Decimal odds ``d`` are the total return per unit stake (2.0 = even money). American odds ``a``
are +a profit per 100 staked (a > 0) or the stake needed to win 100 (a < 0). Fractional
``n/m`` is the profit per unit stake. Conversions go through :class:`fractions.Fraction`, so
American → decimal → American is exact; decimal → American rounds half away from zero (the
convention of PlayNow and most books), because not every decimal price is a whole American one.
The quoted value is always kept verbatim alongside the derived ones (``Price.quoted_raw``).
"""

from __future__ import annotations

import enum
import html
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from propledger.errors import InputError


class OddsFormat(enum.StrEnum):
    DECIMAL = "decimal"
    AMERICAN = "american"
    FRACTIONAL = "fractional"


def american_to_decimal(american: int | Fraction) -> Fraction:
    """+150 → 5/2, −110 → 210/110. Zero and |a| < 100 are not American prices."""
    a = Fraction(american)
    if a.denominator != 1 and abs(a) < 100:
        raise InputError(f"American odds {american} must be ≤ −100 or ≥ +100")
    if a >= 100:
        return 1 + a / 100
    if a <= -100:
        return 1 + Fraction(100) / -a
    raise InputError(f"American odds {american} must be ≤ −100 or ≥ +100")


def _round_half_away(x: Fraction) -> int:
    floor = math.floor(x)
    rest = x - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and x > 0):
        return floor + 1
    return floor


def decimal_to_american(decimal: float | Fraction | str) -> int:
    """d ≥ 2 → round((d−1)·100); d < 2 → round(−100/(d−1)); half away from zero."""
    d = _as_fraction(decimal)
    if d <= 1:
        raise InputError(f"decimal odds {decimal} must be greater than 1")
    if d >= 2:
        return _round_half_away((d - 1) * 100)
    return _round_half_away(Fraction(-100) / (d - 1))


def fractional_to_decimal(numerator: int, denominator: int) -> Fraction:
    if denominator <= 0 or numerator <= 0:
        raise InputError(f"fractional odds {numerator}/{denominator} must be positive")
    return 1 + Fraction(numerator, denominator)


def decimal_to_fractional(decimal: float | Fraction | str) -> Fraction:
    d = _as_fraction(decimal)
    if d <= 1:
        raise InputError(f"decimal odds {decimal} must be greater than 1")
    return d - 1


def _as_fraction(value: float | Fraction | str) -> Fraction:
    if isinstance(value, Fraction):
        return value
    # str() of a float gives its shortest repr: 1.87 → Fraction(187, 100), not a binary artefact
    return Fraction(str(value).strip())


@dataclass(frozen=True)
class Price:
    """A quoted price with its exact derived forms. ``decimal`` is per unit stake."""

    decimal_exact: Fraction
    quoted_raw: str
    quoted_format: OddsFormat

    @property
    def decimal(self) -> float:
        return float(self.decimal_exact)

    @property
    def american(self) -> int:
        return decimal_to_american(self.decimal_exact)

    @property
    def fractional(self) -> Fraction:
        return self.decimal_exact - 1

    @property
    def implied_probability(self) -> float:
        return float(1 / self.decimal_exact)


_AMERICAN = re.compile(r"^[+-]?\d+$")
_FRACTIONAL = re.compile(r"^(\d+)\s*/\s*(\d+)$")
_EVEN = {"ev", "even", "evens"}


def parse_price(text: str, *, hint: OddsFormat | None = None) -> Price:
    """Parse a quoted price: ``+130``, ``-115``, ``EV``/``Even`` (+100), ``1.87``, ``5/2``.

    A bare integer such as ``150`` is American (it cannot be a sensible decimal price); a
    number with a decimal point is decimal unless ``hint`` says otherwise.
    """
    raw = html.unescape(str(text)).strip()
    if not raw:
        raise InputError("empty odds text; give a price like +130, -115, 1.87 or 5/2")
    low = raw.lower()
    if low in _EVEN:
        return Price(Fraction(2), raw, OddsFormat.AMERICAN)
    if hint is OddsFormat.DECIMAL:
        return Price(_checked_decimal(raw), raw, OddsFormat.DECIMAL)
    if _AMERICAN.match(raw) and hint in (None, OddsFormat.AMERICAN):
        return Price(american_to_decimal(int(raw)), raw, OddsFormat.AMERICAN)
    frac = _FRACTIONAL.match(raw)
    if frac:
        return Price(
            fractional_to_decimal(int(frac.group(1)), int(frac.group(2))),
            raw,
            OddsFormat.FRACTIONAL,
        )
    return Price(_checked_decimal(raw), raw, OddsFormat.DECIMAL)


def _checked_decimal(raw: str) -> Fraction:
    try:
        d = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise InputError(
            f"cannot read odds {raw!r}; use American (+130/-115), decimal (1.87) or fractional (5/2)"
        ) from None
    if d <= 1:
        raise InputError(f"decimal odds {raw} must be greater than 1")
    return d


def price_from_american(american: int) -> Price:
    return Price(american_to_decimal(american), str(american), OddsFormat.AMERICAN)


def price_from_decimal(decimal: float | str) -> Price:
    raw = str(decimal)
    return Price(_checked_decimal(raw), raw, OddsFormat.DECIMAL)


__all__ = [
    "OddsFormat",
    "Price",
    "american_to_decimal",
    "decimal_to_american",
    "decimal_to_fractional",
    "fractional_to_decimal",
    "parse_price",
    "price_from_american",
    "price_from_decimal",
]
