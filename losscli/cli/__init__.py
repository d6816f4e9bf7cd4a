"""The command line: `losscli COMMAND`. Each family module registers its commands on `app`."""

from . import binary, check, classification, distributions, merge, regression, sequence, similarity  # noqa: F401  (registers commands)
from .shared import LOSSES, TASKS, app, main

__all__ = ["LOSSES", "TASKS", "app", "main"]
