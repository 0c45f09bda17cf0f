#!/usr/bin/env python
"""Generate ``docs/outputs.md`` from :data:`abm.outputs.OUTPUTS`, so it cannot drift.

Every output (summary metric, time series, key metric of the app) with its label, unit, kind,
bounds, burn-in and membership. The output is deterministic. Usage::

    python scripts/gen_output_docs.py            # (re)write docs/outputs.md
    python scripts/gen_output_docs.py --check    # exit 1 if docs/outputs.md is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from abm import constants as C  # noqa: E402
from abm.outputs import KINDS, LIVE_AGGREGATES, OUTPUTS  # noqa: E402

OUTPUT = ROOT / "docs" / "outputs.md"


def cell(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


def bound(x: float | None) -> str:
    if x is None:
        return "–"
    return str(int(x)) if float(x).is_integer() else repr(x)


def rows(select) -> list[list[str]]:
    out = []
    for o in OUTPUTS.values():
        if not select(o):
            continue
        also = [g for g, on in (("summary", o.summary), ("series", o.series),
                                (f"app ({o.live})", bool(o.live))) if on]
        out.append([f"`{o.name}`", o.label, o.unit, o.kind, f"[{bound(o.low)}, {bound(o.high)}]",
                    "yes" if o.burn_in else "no", ", ".join(also), o.description])
    return out


HEADER = ["name", "label", "unit", "kind", "range", "after burn-in", "in", "description"]


def generate() -> str:
    L: list[str] = []
    add = L.append
    add("# Outputs")
    add("")
    add("<!-- GENERATED FILE: do not edit. Regenerate with `python scripts/gen_output_docs.py`;")
    add("     tests/test_outputs.py fails when this file is out of date. -->")
    add("")
    add("Every output of the model as declared in `abm/outputs.py` (`OUTPUTS`): the app, the "
        "reports and `abm run` take their labels and units from there. How each value is "
        "computed is written out in [ODD.md](ODD.md), sections 4.11 (time series) and 7.15 "
        "(summary metrics). Money is millions of USD-equivalent (M); one step is one quarter. "
        f"\"After burn-in\": the summary value covers steps {C.BURN_IN + 1} to the end (the "
        f"burn-in is `BURN_IN` = {C.BURN_IN} steps); a time series always holds every step. "
        "\"In\" says where a name appears: `summary` (`model.summary()`, `summary.json`, "
        "`runs.parquet`), `series` (`model.timeseries()`, `timeseries.parquet`), `app` (the "
        "visual app's key metrics, `abm.metrics.live`, with the aggregate shown). A range is "
        "inclusive; – means unbounded.")
    add("")
    add("Kinds: " + "; ".join(f"**{k}**: {v}" for k, v in KINDS.items()) + ".")
    add("")
    add("App aggregates: " + "; ".join(f"**{k}**: {v}" for k, v in LIVE_AGGREGATES.items()
                                       if k) + ".")
    add("")
    add("## Summary metrics fixed by the design")
    add("")
    L += table(HEADER, rows(lambda o: o.required))
    add("")
    add("## Other summary metrics")
    add("")
    L += table(HEADER, rows(lambda o: o.summary and not o.required))
    add("")
    add("## Time series (not in the summary)")
    add("")
    L += table(HEADER, rows(lambda o: o.series and not o.summary))
    add("")
    add("## Key metrics of the app only")
    add("")
    L += table(HEADER, rows(lambda o: not o.summary and not o.series))
    return "\n".join(L).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the output file is missing or out of date; write nothing")
    ap.add_argument("--output", type=Path, default=OUTPUT, help="file to write or check")
    args = ap.parse_args(argv)
    text = generate()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            what = "missing" if current is None else "out of date"
            print(f"{args.output} is {what}: run `python scripts/gen_output_docs.py`",
                  file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
