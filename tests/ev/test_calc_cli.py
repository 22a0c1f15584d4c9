"""``propledger devig``, ``convert`` and ``ev-calc`` through ``propledger.cli.main``."""

from __future__ import annotations

import json

import pytest

from propledger.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code, out, err = _run(capsys, *argv, "--json")
    assert code == 0, err
    payload: dict[str, object] = json.loads(out)
    return payload


# ---- devig ---------------------------------------------------------------------------------------
def test_devig_shin_reproduces_the_shin_package(capsys: pytest.CaptureFixture[str]) -> None:
    # mberk/shin README: [2.6, 2.4, 4.3] → 0.37299406, 0.40477941, 0.22222653; z = 0.01694251
    code, out, err = _run(capsys, "devig", "--method", "shin", "2.6", "2.4", "4.3")
    assert code == 0 and err == ""
    for text in ("0.37299406", "0.40477941", "0.22222653", "z = 0.0169425128", "+3.3840 %"):
        assert text in out
    payload = _json(capsys, "devig", "--method", "shin", "2.6", "2.4", "4.3")
    assert payload["parameter"] == pytest.approx(0.01694251276407055, abs=1e-9)


def test_devig_default_is_multiplicative_with_mixed_american(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # −110 / +105: π = 11/21, 20/41; S = 1.0116144; fair = π / S
    payload = _json(capsys, "devig", "-110", "+105")
    assert payload["method"] == "multiplicative"
    s = 11 / 21 + 20 / 41
    assert payload["fair_probabilities"] == pytest.approx([11 / 21 / s, 20 / 41 / s], abs=1e-12)
    assert payload["margin"] == pytest.approx(s - 1, abs=1e-12)
    assert payload["parameter"] is None
    assert payload["fair_american"] == [-107, 107]
    assert payload["decimal"] == pytest.approx([21 / 11, 2.05], abs=1e-12)
    code, out, _ = _run(capsys, "devig", "-110", "+105")
    assert code == 0 and "none (multiplicative has no fitted parameter)" in out


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # martineastwood/penaltyblog test/test_implied.py, odds [2.7, 2.3, 4.4]
        ("multiplicative", [0.35873804, 0.42112726, 0.2201347]),
        ("additive", [0.3595618, 0.423974, 0.2164642]),
        ("power", [0.3591708, 0.4237291, 0.2171001]),
        ("SHIN", [0.3593461, 0.4232517, 0.2174022]),
    ],
)
def test_devig_methods_match_penaltyblog(
    capsys: pytest.CaptureFixture[str], method: str, expected: list[float]
) -> None:
    payload = _json(capsys, "devig", "-m", method, "2.7", "2.3", "4.4")
    assert payload["fair_probabilities"] == pytest.approx(expected, abs=5e-5)
    assert payload["method"] == method.lower()


def test_devig_power_reports_k_and_negative_american_needs_no_separator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "devig", "--method", "power", "-120", "+100")
    assert code == 0 and "k = 1." in out
    code2, out2, _ = _run(capsys, "devig", "--method", "power", "--", "-120", "+100")
    assert code2 == 0 and out2 == out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["devig", "1.91"], "one-sided"),
        (["devig", "--method", "shin", "2.1", "2.1"], "under-round"),
        (["devig", "1.0", "2.0"], "must be greater than 1"),
        (["devig", "abc", "2.0"], "cannot read odds 'abc'"),
        (["devig", "-50", "2.0"], "must be ≤ −100 or ≥ +100"),
        (["devig", "-m", "additive", "1.5", "2.5", "100.0"], "fair probability ≤ 0"),
        (["devig", "--method", "logit", "2.0", "2.0"], "logit"),
        (["devig", "--metod", "shin", "2", "2"], "unknown option --metod"),
        (["convert", "0.5"], "must be greater than 1"),
        (["ev-calc", "--p-win", "1.2", "2.0"], "p_win must be within"),
        (["ev-calc", "--p-win", "0.7", "--p-push", "0.4", "2.0"], "must not exceed 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert message in err


# ---- convert ----------------------------------------------------------------------------------------
def test_convert_american(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "convert", "-110")
    assert code == 0
    assert "1.90909091  (exact 21/11)" in out
    assert "fractional  10/11" in out
    assert "0.52380952" in out
    payload = _json(capsys, "convert", "+150")
    assert payload == {
        "quoted": "+150",
        "format": "american",
        "decimal": 2.5,
        "decimal_exact": "5/2",
        "american": 150,
        "american_exact": True,
        "fractional": "3/2",
        "implied_probability": 0.4,
    }


def test_convert_decimal_and_fractional(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "convert", "1.91", "5/2", "3")
    assert code == 0
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 3
    assert "american    -110  (rounded from -109.8901)" in blocks[0]
    assert "fractional  91/100" in blocks[0]
    assert "decimal     3.5" in blocks[1] and "american    +250" in blocks[1]
    # a bare 3 cannot be American: it is decimal 3.0 (+200)
    assert "quoted      3 (decimal)" in blocks[2] and "american    +200" in blocks[2]


# ---- ev-calc ---------------------------------------------------------------------------------------
def test_ev_calc_with_push(capsys: pytest.CaptureFixture[str]) -> None:
    # OVER 2 at +120 with p_over 0.40, p_push 0.25: EV = 0.4 × 2.2 + 0.25 − 1 = 0.13
    payload = _json(capsys, "ev-calc", "--p-win", "0.40", "--p-push", "0.25", "+120")
    assert payload["ev"] == pytest.approx(0.13, abs=1e-12)
    assert payload["fair_decimal"] == pytest.approx(1.875, abs=1e-12)
    assert payload["fair_american"] == -114
    assert payload["kelly"] == pytest.approx(0.13 / 0.9, abs=1e-12)
    code, out, _ = _run(capsys, "ev-calc", "-p", "0.3", "3.5")
    assert code == 0
    assert "+0.05000000 per unit stake (+5.0000 %)" in out
    assert "kelly          0.02000000" in out  # penaltyblog's Kelly reference: 3.5 @ 0.3 → 0.02


def test_commands_have_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("devig", "convert", "ev-calc"):
        code, out, _ = _run(capsys, command, "--help")
        assert code == 0 and "ODDS" in out
