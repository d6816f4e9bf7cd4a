"""User-facing errors. Each one is a single line for stderr; the CLI exits with its code."""

import re

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z_0-9]+)\}")
_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*):[^/\s@]+@")  # https://user:password@host


def escape(text: str) -> str:
    """User text (a file name, a token) inside a template: its braces stay as they are."""
    return text.replace("{", "{{").replace("}", "}}")


class LossCliError(ValueError):
    """A usage or input error: the user can fix it. Exit code 2."""

    exit_code = 2

    def __init__(self, template: str) -> None:
        # Messages name arguments as {input}, {target}, {weight}, ...: a library caller reads
        # torch's argument names, the CLI reads its option names (--pred, --target, --weight).
        self.template = template
        super().__init__(self.render())

    def render(self, names: dict[str, str] | None = None) -> str:
        names = names or {}
        text = _PLACEHOLDER.sub(lambda m: names.get(m[1], m[1]) if m[1] else m[0][0], self.template)
        return _PASSWORD.sub(r"\1:***@", text)  # a URL's password is not printed (to a CI log, say)


class UsageError(LossCliError):
    """A bad option or parameter value (--label-smoothing 1.5, two inputs on stdin)."""


class InputError(LossCliError):
    """Bad data: unreadable file, non-numeric cell, wrong shape, class index out of range."""


class LossWarning(UserWarning):
    """A computed loss that is probably not what was meant (kl-div's 'mean'). The library warns;
    the CLI shows each one as a line on stderr, or under "warnings" in JSON."""
