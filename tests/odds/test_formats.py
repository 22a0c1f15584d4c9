from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propledger.errors import InputError
from propledger.odds.formats import (
    OddsFormat,
    american_to_decimal,
    decimal_to_american,
    parse_price,
    price_from_decimal,
)


@pytest.mark.parametrize(
    ("american", "decimal"),
    [
        (100, Fraction(2)),
        (150, Fraction(5, 2)),
        (-110, Fraction(21, 11)),
        (-200, Fraction(3, 2)),
        (240, Fraction(17, 5)),
    ],
)
def test_american_to_decimal_exact(american: int, decimal: Fraction) -> None:
    assert american_to_decimal(american) == decimal


@pytest.mark.parametrize(
    ("decimal", "american"),
    [
        ("1.87", -115),
        ("1.95", -105),
        ("2.3", 130),
        ("3.1", 210),
        ("2.0", 100),
        ("1.909", -110),
        ("1.625", -160),
        ("2.05", 105),
    ],
)
def test_decimal_to_american_rounding(decimal: str, american: int) -> None:
    assert decimal_to_american(decimal) == american


def test_half_rounds_away_from_zero() -> None:
    # d = 1.8 → −125 exactly; d = 1.96 → −104.1666…; (d−1)·100 = 112.5 → 113
    assert decimal_to_american("2.125") == 113
    assert decimal_to_american(Fraction(1) + Fraction(40, 41)) == -103  # −102.5 → −103
    assert decimal_to_american(american_to_decimal(-100)) == 100  # −100 and +100 are one price


@given(
    st.one_of(
        st.integers(min_value=100, max_value=100000), st.integers(min_value=-100000, max_value=-101)
    )
)
def test_american_round_trip_is_exact(american: int) -> None:
    assert decimal_to_american(american_to_decimal(american)) == american


@pytest.mark.parametrize(
    ("text", "fmt", "decimal"),
    [
        ("+130", OddsFormat.AMERICAN, 2.3),
        ("-115", OddsFormat.AMERICAN, 1 + 100 / 115),
        ("EV", OddsFormat.AMERICAN, 2.0),
        ("Even", OddsFormat.AMERICAN, 2.0),
        ("&#43;135", OddsFormat.AMERICAN, 2.35),
        ("1.87", OddsFormat.DECIMAL, 1.87),
        ("5/2", OddsFormat.FRACTIONAL, 3.5),
        ("150", OddsFormat.AMERICAN, 2.5),
    ],
)
def test_parse_price(text: str, fmt: OddsFormat, decimal: float) -> None:
    price = parse_price(text)
    assert price.quoted_format is fmt
    assert price.decimal == pytest.approx(decimal, abs=1e-12)


def test_quoted_raw_is_preserved() -> None:
    assert price_from_decimal(1.87).quoted_raw == "1.87"
    assert parse_price(" EV ").quoted_raw == "EV"


@pytest.mark.parametrize("bad", ["", "abc", "0.9", "1", "+50", "-99"])
def test_bad_prices_are_clear_errors(bad: str) -> None:
    with pytest.raises(InputError):
        parse_price(bad)
