"""losscli: loss functions of torch.nn from the command line, and as a NumPy library.

    from losscli import mse_loss, cross_entropy
    mse_loss(np.array([2.0, 3.0, 4.0]), np.array([2.5, 3.5, 4.5]))   # 0.25

    from losscli.engine import Invocation, run          # the command line's engine
    run(Invocation("mse", {"pred": "p.csv:yhat", "target": "p.csv:y"})).value

The core functions live in losscli.functional (its __all__ lists them); they are re-exported
here lazily, so that the command line starts without importing NumPy until a loss is computed.
"""

__version__ = "0.1.0"


def _functional():
    import importlib  # not `from . import functional`: that asks this __getattr__ first

    return importlib.import_module("losscli.functional")


# Submodules: `from losscli import registry` asks __getattr__ first, which must not load NumPy.
_SUBMODULES = {"functional", "registry", "engine", "errors", "inputs", "stream", "render", "checks", "partials", "cli"}


def __getattr__(name: str):
    if not name.startswith("_") and name not in _SUBMODULES:
        functional = _functional()
        if name in functional.__all__:
            return getattr(functional, name)
    raise AttributeError(f"module 'losscli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_functional().__all__})
