"""``propledger …``: a thin typer shell. Each module in ``propledger.commands`` registers its
commands with ``register(app)``; commands parse arguments, build Settings, call one function in
``jobs/`` (or the library) and map the result to an exit code."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Sequence

import typer

from propledger import commands
from propledger.errors import PropledgerError


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="propledger",
        help="NHL player-prop odds, a frozen count model, EV and a DuckDB evidence layer.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # markdown: a docstring's wrapped lines read as one paragraph (rich mode keeps the
        # source line breaks mid-sentence)
        rich_markup_mode="markdown",
    )
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 failed, 2 usage/config, 3 strict, 4 lock)."""
    app = build_app()
    args = list(sys.argv[1:] if argv is None else argv) or ["--help"]
    try:
        result = app(args=args, prog_name="propledger", standalone_mode=False)
    except PropledgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:
        message = exc.format_message()
        if message:
            print(f"error: {message}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 2) or 2)
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
