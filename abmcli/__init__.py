"""The ``abm`` command line (typer).

Each group of commands lives in its own module with a ``register(app)`` function:
``model_cmds`` (presets, params, run), ``experiment_cmds`` (experiment, report),
``viz_cmds`` (viz), ``bench_cmds`` (bench), ``validate_cmds`` (validate).
Bad input exits with status 2 and a one-line message naming the problem and the valid choices;
exit statuses and the ``--debug`` flag are described in :mod:`abmcli.errors`.
"""

from __future__ import annotations

import importlib
import sys

import typer

COMMAND_MODULES = ("model_cmds", "experiment_cmds", "viz_cmds", "viz_setup", "bench_cmds",
                   "validate_cmds")

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Agent-based model of startup ecosystems (disruption vs open innovation).",
                  pretty_exceptions_enable=False)


from .errors import fail  # noqa: E402  (one place for errors and exit statuses)


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"abmcli.{_name}")
    except ModuleNotFoundError as exc:  # a command group not written yet
        if exc.name != f"abmcli.{_name}":
            raise
        continue
    _module.register(app)


def _click_exceptions() -> list:
    """Exception modules of click: recent typer bundles its own copy (``typer._click``)."""
    mods = []
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            mods.append(importlib.import_module(name))
        except ImportError:
            pass
    return mods


def main() -> None:
    """Entry point: usage errors (click's) exit 2 with a one-line message, no traceback."""
    from . import errors

    errors.take_debug_flag(sys.argv)
    previous = _sigterm_as_interrupt()
    try:
        _main()
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _main() -> None:
    from . import errors

    mods = _click_exceptions()
    usage = tuple(m.UsageError for m in mods if hasattr(m, "UsageError"))
    abort = tuple(m.Abort for m in mods if hasattr(m, "Abort")) + (KeyboardInterrupt, typer.Abort)
    exit_ = tuple(getattr(m, "Exit") for m in mods if hasattr(m, "Exit")) + (typer.Exit,)
    try:
        rv = app(standalone_mode=False)
    except usage as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" ({ctx.command_path} --help for usage)" if ctx else ""
        typer.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except exit_ as exc:
        sys.exit(getattr(exc, "exit_code", 1))
    except Exception as exc:  # noqa: BLE001 - one line (traceback only with --debug)
        sys.exit(errors.report_unhandled(exc))
    sys.exit(rv if isinstance(rv, int) else 0)


def _sigterm_as_interrupt():
    """SIGTERM ends a command like Ctrl-C: finished runs are kept, the pool is stopped.
    Returns the handler it replaced (``None`` if it could not install one)."""
    import signal

    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # not the main thread
        return None
