"""Errors and exit statuses of the ``abm`` command line, in one place.

Exit statuses (documented in README.md and docs/experiments.md):

* ``0`` everything asked for was done;
* ``1`` a run failed or the machine failed (full disk, lost files, an unexpected error):
  one line says what and where; finished runs are kept and ``--resume`` continues;
* ``2`` bad input (options, spec, folders), refused before anything runs;
* ``130`` interrupted (Ctrl-C or SIGTERM): finished runs are kept, ``--resume`` continues.

No error prints a traceback unless ``--debug`` is given (anywhere on the command line); with
it, the traceback follows the one-line message.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from pathlib import Path

import typer

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEBUG_FLAG = "--debug"
DEBUG_ENV = "ABM_DEBUG"


def take_debug_flag(argv: list[str]) -> bool:
    """Remove ``--debug`` from ``argv`` (in place); whether it (or ``ABM_DEBUG=1``) was set."""
    found = DEBUG_FLAG in argv
    while DEBUG_FLAG in argv:
        argv.remove(DEBUG_FLAG)
    if found:
        os.environ[DEBUG_ENV] = "1"
    return found or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def describe(exc: BaseException) -> tuple[int, str]:
    """Exit status and one-line message for an exception no command handled."""
    from abm.params import ParameterError

    if isinstance(exc, OSError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        if exc.errno == errno.ENOSPC:
            return EXIT_FAILED, (f"disk full writing{where}: finished runs are kept; free some "
                                 "space and continue with --resume")
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return EXIT_FAILED, f"cannot write{where}: {exc.strerror}"
        return EXIT_FAILED, f"{exc.strerror or type(exc).__name__}{where}"
    if isinstance(exc, ParameterError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, MemoryError):
        return EXIT_FAILED, ("out of memory: reduce the scale, steps or number of runs "
                             "(see the limits in docs/experiments.md)")
    text = str(exc).splitlines()[0] if str(exc) else ""
    return EXIT_FAILED, (f"unexpected {type(exc).__name__}: {text} (rerun with --debug for "
                         "the traceback, and please report it)")


def report_unhandled(exc: BaseException) -> int:
    """Print the one-line message (and the traceback with ``--debug``); the exit status."""
    code, message = describe(exc)
    typer.echo(f"error: {message}", err=True)
    if debugging():
        traceback.print_exception(exc, file=sys.stderr)
    return code


def fail(message: str, code: int = EXIT_USAGE) -> "typer.Exit":
    """Print a one-line error to stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def results_kind(folder: Path) -> str | None:
    """What a folder holds: ``"experiment"`` (runs, parts or an experiment's manifest),
    ``"run"`` (``abm run``'s summary.json) or ``None``."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    if (folder / "runs.parquet").exists() or any((folder / "parts").glob("part-*")):
        return "experiment"
    manifest = folder / "manifest.json"
    if manifest.exists():
        try:
            import json

            head = json.loads(manifest.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            head = {}
        if isinstance(head, dict) and "experiment" in head:
            return "experiment"
        return "run"
    if (folder / "summary.json").exists() or (folder / "timeseries.parquet").exists():
        return "run"
    return None


def out_folder(raw: str | None, option: str = "--out") -> Path | None:
    """Check an output folder option: a non-empty path that is (or can be made) a writable
    folder. Creates it (only it and its missing parents). Exits 2 otherwise."""
    if raw is None:
        return None
    if not str(raw).strip():
        raise fail(f"{option} must name a folder, got an empty string (use {option} . for "
                   "the current folder)")
    path = Path(raw)
    if path.exists() and not path.is_dir():
        raise fail(f"{option} {path} is an existing file, not a folder; choose a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"cannot create the {option} folder {path}: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise fail(f"cannot write in the {option} folder {path}: permission denied")
    return path
