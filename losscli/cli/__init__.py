"""The command line: `losscli COMMAND`, generated from losscli.registry (see shared.py).

`losscli mse ...` builds only the mse command (start-up is the product for tiny calls), while
`app` registers every command first.
"""

from .shared import load_all, main  # noqa: F401


def __getattr__(name: str):
    if name == "app":
        load_all()
        from . import shared

        return shared.app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["app", "load_all", "main"]
