"""``propledger version`` and ``propledger config``: what is installed and how it is set up."""

from __future__ import annotations

import json
import os

import typer

from propledger import __version__
from propledger.settings import Settings


def register(app: typer.Typer) -> None:
    @app.command("version")
    def version() -> None:
        """Print the propledger version."""
        print(__version__)

    @app.command("config")
    def config() -> None:
        """Print the resolved settings (secrets shown only as set/unset)."""
        settings = Settings.from_env(os.environ)
        shown = settings.public_dict() | {
            "warehouse_path": settings.warehouse_path,
            "raw_dir": str(settings.raw_dir),
            "models_dir": str(settings.models_dir),
            "config_hash": settings.config_hash(),
        }
        print(json.dumps(shown, indent=2, sort_keys=True))
