"""The command line: `losscli COMMAND`. Each family module registers its commands on `app`.

The family modules load on demand: `losscli mse ...` imports only regression.py (start-up is
the product for tiny calls), while `app`, `LOSSES` and `TASKS` load every family first.
"""

import importlib

from .shared import main  # noqa: F401

FAMILIES = ("regression", "binary", "classification", "similarity", "distributions", "sequence", "check", "merge")


def load_all() -> None:
    """Import every family module, which registers its commands on the app."""
    for family in FAMILIES:
        importlib.import_module(f"{__name__}.{family}")


def __getattr__(name: str):
    if name in ("app", "LOSSES", "TASKS"):
        load_all()
        from . import shared

        return getattr(shared, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FAMILIES", "LOSSES", "TASKS", "app", "load_all", "main"]
