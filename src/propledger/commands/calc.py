"""Calculators for users: ``propledger devig``, ``propledger convert`` and ``propledger ev-calc``.

Odds may be American (``-110``, ``+105``, ``EV``), decimal (``1.91``) or fractional (``5/2``),
mixed freely; negative American prices need no ``--`` (unknown ``-NNN`` options are read as
odds). A bare integer is American from 100 up (``150`` = +150, as everywhere in propledger) and
decimal from 2 to 99 (``3`` = 3.0, which cannot be an American price). Bad input prints one ``error: …`` line and exits 2.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Annotated, Any

import typer

from propledger.errors import InputError
from propledger.ev.devig import Devig, DevigMethod, devig
from propledger.ev.ev import EvResult, evaluate
from propledger.odds.formats import OddsFormat, Price, parse_price

# "-110" would otherwise be taken for an unknown short option
_ODDS_CONTEXT: dict[str, Any] = {"ignore_unknown_options": True}

OddsArgs = Annotated[
    list[str],
    typer.Argument(
        metavar="ODDS...",
        help="prices: American -110/+105/150, decimal 1.91 (or 2…99), fractional 5/2",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON with full precision")]


def _parse_all(odds: list[str]) -> list[Price]:
    prices = []
    for text in odds:
        if text.startswith("--"):
            raise InputError(f"unknown option {text}; see --help")
        raw = text.strip()
        # A bare 2…99 cannot be American (|a| ≥ 100): read it as a whole decimal price
        if raw.isdigit() and 1 < int(raw) < 100:
            prices.append(parse_price(raw, hint=OddsFormat.DECIMAL))
        else:
            prices.append(parse_price(raw))
    return prices


def _signed_american(value: int | None) -> str:
    if value is None:
        return "n/a"
    return f"+{value}" if value > 0 else str(value)


def _exact_american(price: Price) -> Fraction:
    d = price.decimal_exact
    return (d - 1) * 100 if d >= 2 else Fraction(-100) / (d - 1)


def _fmt_decimal(value: Fraction) -> str:
    """Up to 8 places; the exact fraction is added when 8 places are not exact."""
    shown = f"{float(value):.8f}".rstrip("0").rstrip(".")
    if Fraction(shown) != value:
        return f"{float(value):.8f}  (exact {value.numerator}/{value.denominator})"
    return shown


# ---- devig ----------------------------------------------------------------------------------------
def devig_dict(result: Devig, prices: list[Price]) -> dict[str, Any]:
    return {
        "method": result.method.value,
        "quoted": [p.quoted_raw for p in prices],
        "decimal": list(result.decimals),
        "implied": list(result.implied),
        "fair_probabilities": list(result.probabilities),
        "fair_decimal": list(result.fair_decimals),
        "fair_american": list(result.fair_americans),
        "booksum": result.booksum,
        "margin": result.margin,
        "parameter_name": result.parameter_name,
        "parameter": result.parameter,
    }


def format_devig(result: Devig, prices: list[Price]) -> str:
    name = result.parameter_name
    param = "none (multiplicative has no fitted parameter)"
    if name is not None and result.parameter is not None:
        param = f"{name} = {result.parameter:.10f}"
    lines = [
        f"method     {result.method.value}",
        f"booksum    {result.booksum:.8f}",
        f"margin     {result.margin:+.8f}  ({result.margin * 100:+.4f} %)",
        f"parameter  {param}",
        "",
        f"{'#':>2}  {'quoted':>8}  {'decimal':>10}  {'implied':>10}  {'fair_p':>10}  "
        f"{'fair_decimal':>12}  {'fair_american':>13}",
    ]
    rows = zip(
        prices,
        result.decimals,
        result.implied,
        result.probabilities,
        result.fair_decimals,
        result.fair_americans,
        strict=True,
    )
    for i, (price, dec, imp, prob, fair_d, fair_a) in enumerate(rows, start=1):
        lines.append(
            f"{i:>2}  {price.quoted_raw:>8}  {dec:>10.6f}  {imp:>10.8f}  {prob:>10.8f}  "
            f"{fair_d:>12.6f}  {_signed_american(fair_a):>13}"
        )
    return "\n".join(lines)


# ---- convert -----------------------------------------------------------------------------------------
def convert_dict(price: Price) -> dict[str, Any]:
    exact = _exact_american(price)
    return {
        "quoted": price.quoted_raw,
        "format": price.quoted_format.value,
        "decimal": price.decimal,
        "decimal_exact": f"{price.decimal_exact.numerator}/{price.decimal_exact.denominator}",
        "american": price.american,
        "american_exact": exact.denominator == 1,
        "fractional": f"{price.fractional.numerator}/{price.fractional.denominator}",
        "implied_probability": price.implied_probability,
    }


def format_conversion(price: Price) -> str:
    exact = _exact_american(price)
    american = _signed_american(price.american)
    if exact.denominator != 1:
        american += f"  (rounded from {float(exact):+.4f})"
    implied = price.implied_probability
    return "\n".join(
        [
            f"quoted      {price.quoted_raw} ({price.quoted_format.value})",
            f"decimal     {_fmt_decimal(price.decimal_exact)}",
            f"american    {american}",
            f"fractional  {price.fractional.numerator}/{price.fractional.denominator}",
            f"implied     {implied:.8f}  ({implied * 100:.4f} %)",
        ]
    )


# ---- ev-calc -------------------------------------------------------------------------------------------
def ev_dict(result: EvResult, price: Price) -> dict[str, Any]:
    return {
        "quoted": price.quoted_raw,
        "decimal": result.decimal,
        "p_win": result.p_win,
        "p_push": result.p_push,
        "p_loss": result.p_loss,
        "ev": result.ev,
        "implied_probability": result.implied_probability,
        "fair_decimal": None if math.isinf(result.fair_decimal) else result.fair_decimal,
        "fair_american": result.fair_american,
        "kelly": result.kelly,
    }


def format_ev(result: EvResult, price: Price) -> str:
    fair = "n/a (p_win = 0)" if math.isinf(result.fair_decimal) else f"{result.fair_decimal:.8f}"
    return "\n".join(
        [
            f"price          {price.quoted_raw} (decimal {result.decimal:.8f})",
            f"p_win          {result.p_win:.8f}",
            f"p_push         {result.p_push:.8f}",
            f"p_loss         {result.p_loss:.8f}",
            f"ev             {result.ev:+.8f} per unit stake ({result.ev * 100:+.4f} %)",
            f"implied        {result.implied_probability:.8f}",
            f"fair_decimal   {fair}",
            f"fair_american  {_signed_american(result.fair_american)}",
            f"kelly          {result.kelly:.8f}  (observational)",
        ]
    )


def register(app: typer.Typer) -> None:
    @app.command("devig", context_settings=_ODDS_CONTEXT)
    def devig_command(
        odds: OddsArgs,
        method: Annotated[
            DevigMethod,
            typer.Option("--method", "-m", case_sensitive=False, help="de-vig method"),
        ] = DevigMethod.MULTIPLICATIVE,
        as_json: JsonOption = False,
    ) -> None:
        """Fair probabilities and prices of one book's market (two-way or n-way), its margin
        and the method's fitted parameter (additive shift, power k, Shin z)."""
        prices = _parse_all(odds)
        result = devig([p.decimal for p in prices], method)
        if as_json:
            print(json.dumps(devig_dict(result, prices), indent=2))
        else:
            print(format_devig(result, prices))

    @app.command("convert", context_settings=_ODDS_CONTEXT)
    def convert_command(odds: OddsArgs, as_json: JsonOption = False) -> None:
        """Decimal, American and fractional forms of a price and its implied probability."""
        prices = _parse_all(odds)
        if as_json:
            payload: Any = [convert_dict(p) for p in prices]
            print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
        else:
            print("\n\n".join(format_conversion(p) for p in prices))

    @app.command("ev-calc", context_settings=_ODDS_CONTEXT)
    def ev_calc_command(
        odds: Annotated[str, typer.Argument(metavar="ODDS", help="the quoted price of the side")],
        p_win: Annotated[float, typer.Option("--p-win", "-p", help="probability the side wins")],
        p_push: Annotated[
            float, typer.Option("--p-push", help="probability of a push (integer lines)")
        ] = 0.0,
        as_json: JsonOption = False,
    ) -> None:
        """EV per unit stake (push returns the stake), implied probability, the model's fair
        price and the Kelly fraction of one bet."""
        price = _parse_all([odds])[0]
        result = evaluate(p_win, price.decimal, p_push)
        if as_json:
            print(json.dumps(ev_dict(result, price), indent=2))
        else:
            print(format_ev(result, price))


__all__ = [
    "convert_dict",
    "devig_dict",
    "ev_dict",
    "format_conversion",
    "format_devig",
    "format_ev",
    "register",
]
