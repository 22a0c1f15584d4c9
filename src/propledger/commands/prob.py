"""``propledger prob``: the line calculator of the Phase 10 model.

``propledger prob --market SOG --mu 2.6 --line 2.5 --line 3`` prints the distribution, P(X = k)
and, per line, over/under/push with fair decimal (and American) prices. ``--calibrated``
also applies the active calibrator and MARKET_POLICY, as the production snapshot does.

The command is split so the player walkthrough (``--player NAME --date D``, from the features
engineer) can plug in: it only has to produce μ (and its explanation) before
:func:`calculate` and :func:`render` run unchanged.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import typer

from propledger.commands.common import NowOption, clock_from
from propledger.errors import ConfigError, InputError
from propledger.model.calibration import CalibratorArtifact, load_active_calibrators
from propledger.model.constants import STANDARD_LINES, Market, parse_market
from propledger.model.distributions import ProbabilityGrid
from propledger.model.policy import ProbSource, apply_policy, needs_calibrator
from propledger.odds.formats import decimal_to_american
from propledger.settings import Settings

#: Largest k shown in the P(X = k) row.
MAX_K_SHOWN = 15

#: JSON line keys that exist only with ``--calibrated`` (or ``--player``)
POLICY_KEYS = ("prob_source", "p_over", "p_under", "p_push", "calibrator_version",
               "fair_over_raw", "fair_under_raw")  # fmt: skip


@dataclass(frozen=True)
class LineRow:
    """One line's probabilities (policy columns are None unless calibrated output was asked).

    ``fair_over``/``fair_under`` are decimal break-even prices of the probabilities EV uses: the
    policy columns when present (Calibrated or Raw per MARKET_POLICY), else the raw ones;
    ``fair_*_raw`` always price the raw distribution."""

    line: float
    p_over_raw: float
    p_under_raw: float
    p_push_raw: float
    fair_over: float  # decimal, (1 − p_push)/p_over
    fair_under: float
    fair_over_raw: float
    fair_under_raw: float
    prob_source: str | None = None
    p_over: float | None = None
    p_under: float | None = None
    p_push: float | None = None
    calibrator_version: str | None = None


@dataclass(frozen=True)
class Calculation:
    market: Market
    mu: float
    distribution: str
    alpha: float | None
    variance: float
    pmf: tuple[float, ...]  # P(X = k), k = 0 … len − 1 (unclipped)
    lines: tuple[LineRow, ...]
    #: the line the applied calibrator was fitted on (None: no calibrated row)
    calibration_line: float | None = None


def fair_decimal(p_win: float, p_push: float) -> float:
    """The break-even decimal price of a side: (1 − p_push)/p_win (push refunds the stake)."""
    return (1.0 - p_push) / p_win


def calculate(
    market: Market,
    mu: float,
    lines: list[float],
    *,
    with_policy: bool = False,
    calibrator: CalibratorArtifact | None = None,
    disable_calibration: bool = False,
) -> Calculation:
    """Probabilities for one μ and several lines; ``with_policy`` adds MARKET_POLICY columns
    (Calibrated markets need ``calibrator`` unless calibration is disabled: ModelError)."""
    grid = ProbabilityGrid.build(market, np.asarray([mu]))
    probs = grid.probabilities(np.asarray(lines, dtype=np.float64)[None, :] if lines else [])
    over, under, push = probs.over[0], probs.under[0], probs.push[0]
    policy = None
    if with_policy:
        cal = calibrator.predict(over) if calibrator is not None else None
        policy = apply_policy(
            market, over, under, push, cal, disable_calibration=disable_calibration
        )
    rows = []
    for i, line in enumerate(lines):
        raw_over = fair_decimal(float(over[i]), float(push[i]))
        raw_under = fair_decimal(float(under[i]), float(push[i]))
        extra: dict[str, Any] = {"fair_over": raw_over, "fair_under": raw_under}
        if policy is not None:
            p_over, p_under, p_push = (float(policy.p_over[i]), float(policy.p_under[i]),
                                       float(policy.p_push[i]))  # fmt: skip
            extra = {
                "prob_source": str(policy.prob_source[i]),
                "p_over": p_over,
                "p_under": p_under,
                "p_push": p_push,
                "calibrator_version": calibrator.version if calibrator is not None else None,
                # EV prices the policy probability, so the fair price must too
                "fair_over": fair_decimal(p_over, p_push),
                "fair_under": fair_decimal(p_under, p_push),
            }
        rows.append(
            LineRow(
                line=float(line),
                p_over_raw=float(over[i]),
                p_under_raw=float(under[i]),
                p_push_raw=float(push[i]),
                fair_over_raw=raw_over,
                fair_under_raw=raw_under,
                **extra,
            )
        )
    calibrated_rows = any(r.prob_source == ProbSource.CALIBRATED.value for r in rows)
    k = np.arange(MAX_K_SHOWN + 1)
    pmf = grid.pmf(k[None, :])[0]
    # show k up to the highest line + 2 and until 99.5 % of the mass, at most MAX_K_SHOWN
    enough = int(np.searchsorted(np.cumsum(pmf), 0.995))
    last = min(MAX_K_SHOWN, max(int(max(lines, default=0.0)) + 2, enough))
    return Calculation(
        market=market,
        mu=mu,
        distribution=grid.distribution.value,
        alpha=grid.alpha,
        variance=float(grid.variance[0]),
        pmf=tuple(float(v) for v in pmf[: last + 1]),
        lines=tuple(rows),
        calibration_line=calibrator.line if calibrator is not None and calibrated_rows else None,
    )


def _american(decimal: float) -> str:
    if not math.isfinite(decimal) or decimal <= 1.0:
        return "n/a"
    return f"{decimal_to_american(decimal):+d}"


def render(calc: Calculation) -> str:
    """Human-readable calculator output."""
    if calc.alpha is None:
        dist = f"Poisson (variance = μ = {calc.variance:.4g})"
    else:
        dist = f"NB2 (α = {calc.alpha:g}; variance = μ + αμ² = {calc.variance:.4g})"
    out = [f"{calc.market.value}  μ = {calc.mu:g}  {dist}"]
    out.append("P(X = k): " + "  ".join(f"{k}: {p:.4f}" for k, p in enumerate(calc.pmf)))
    has_policy = any(r.prob_source is not None for r in calc.lines)
    fair_head = f"  {'fair over':>16}  {'fair under':>16}"
    if has_policy:
        # raw distribution first, then what MARKET_POLICY publishes and its fair prices
        head = f"{'line':>5}  {'raw over':>9}  {'raw under':>9}  {'raw push':>9}"
        head += f"  {'source':>10}  {'p_over':>8}  {'p_under':>8}  {'p_push':>8}" + fair_head
    else:
        head = f"{'line':>5}  {'over':>8}  {'under':>8}  {'push':>8}" + fair_head
    out.append(head)
    for r in calc.lines:
        fo = f"{r.fair_over:.3f} ({_american(r.fair_over)})"
        fu = f"{r.fair_under:.3f} ({_american(r.fair_under)})"
        if has_policy and r.prob_source is not None:
            row = f"{r.line:>5g}  {r.p_over_raw:>9.6f}  {r.p_under_raw:>9.6f}  {r.p_push_raw:>9.6f}"
            row += f"  {r.prob_source:>10}  {r.p_over:>8.6f}  {r.p_under:>8.6f}  {r.p_push:>8.6f}"
        else:
            row = f"{r.line:>5g}  {r.p_over_raw:>8.6f}  {r.p_under_raw:>8.6f}  {r.p_push_raw:>8.6f}"
        out.append(row + f"  {fo:>16}  {fu:>16}")
    versions = {r.calibrator_version for r in calc.lines if r.calibrator_version}
    if versions:
        out.append(f"calibrator: {', '.join(sorted(versions))}")
    if calc.calibration_line is not None:
        out.append(
            f"note: the {calc.market.value} calibrator was fitted on line "
            f"{calc.calibration_line:g} and is applied to every line of the market (a known "
            "limitation, docs/model.md section 5), so calibrated p_over can repeat across lines"
        )
    priced = " of the policy columns p_over/p_under/p_push (what EV uses)" if has_policy else ""
    out.append(
        f"probabilities clipped to [1e-6, 1 − 1e-6]; fair price = (1 − push)/p{priced}, "
        "decimal (American)"
    )
    return "\n".join(out)


def register(app: typer.Typer) -> None:
    @app.command("prob")
    def prob(
        market: str = typer.Option(
            ..., "--market", "-m", help="GOALS, ASSISTS, POINTS, SOG or BLOCKS"
        ),
        mu: float | None = typer.Option(None, "--mu", help="expected count per game (μ)"),
        line: list[float] | None = typer.Option(  # noqa: B008 - typer's declaration style
            None,
            "--line",
            "-l",
            help="a line such as 2.5 or 3; repeat it; default: the market's standard lines",
        ),
        calibrated: bool = typer.Option(
            False,
            "--calibrated",
            help="also apply MARKET_POLICY with the active calibrator (data/models)",
        ),
        as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
        player: str | None = typer.Option(
            None, "--player", help="explain this skater's μ on --date instead of --mu"
        ),
        player_id: int | None = typer.Option(
            None, "--player-id", help="NHL player id (when --player is ambiguous)"
        ),
        date: str | None = typer.Option(
            None, "--date", help="slate date YYYY-MM-DD (ET) for --player; default today"
        ),
        now: str | None = NowOption,
    ) -> None:
        """Over/under/push probabilities and fair prices for a μ and lines."""
        chosen = parse_market(market)
        walkthrough = None
        if player is not None or player_id is not None:  # the walkthrough: μ from the warehouse
            from propledger.model.explain import player_walkthrough

            walkthrough = player_walkthrough(
                Settings.from_env(os.environ), chosen, name=player, player_id=player_id,
                date=date, lines=list(line) if line else None, clock=clock_from(now),
            )  # fmt: skip
            mu, line, calibrated = float(walkthrough.mu["mu"]), list(walkthrough.lines), True
        if mu is None:
            raise ConfigError("--mu is required: the expected count per game, e.g. --mu 2.6")
        if not math.isfinite(mu):
            raise ConfigError(f"--mu {mu} must be a finite number, e.g. --mu 2.6")
        lines = list(line) if line else list(STANDARD_LINES[chosen])
        calibrator = None
        disable = False
        if calibrated:
            settings = Settings.from_env(os.environ)
            disable = settings.disable_calibration
            needed = needs_calibrator([chosen.value], disable_calibration=disable)
            if needed:
                calibrator = load_active_calibrators(settings.models_dir, needed)[chosen]
        try:
            calc = calculate(
                chosen,
                mu,
                lines,
                with_policy=calibrated,
                calibrator=calibrator,
                disable_calibration=disable,
            )
        except InputError as exc:
            raise ConfigError(f"--line: {exc}") from None
        if as_json:
            payload = asdict(calc) | {"market": chosen.value}
            if walkthrough is not None:
                from propledger.model.explain import walkthrough_json

                payload["player"] = walkthrough_json(walkthrough)
            if not calibrated:  # raw only: no policy columns, and fair_* already price raw
                payload.pop("calibration_line")
                for row in payload["lines"]:
                    for key in POLICY_KEYS:
                        row.pop(key)
            print(json.dumps(payload, indent=2))
        else:
            if walkthrough is not None:
                from propledger.model.explain import render_walkthrough

                print(render_walkthrough(walkthrough))
            print(render(calc))
