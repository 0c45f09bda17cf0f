#!/usr/bin/env python
"""Generate ``docs/parameters.md`` from the code, so the parameter documentation cannot drift.

Sources read:

* :data:`abm.params.SPECS` (name, unit, range, component, description of every parameter);
* :func:`abm.presets.resolve` for every preset in :data:`abm.presets.PRESET_NAMES` (the value
  each preset gives each parameter);
* ``abm/presets.toml``: the source or reasoning written as a comment after each
  ``name = value`` line of a preset section (and, for presets that keep the defaults, comment
  lines of the form ``# component.name = value [tag]: reasoning``);
* ``abm/constants.py``: every structural constant with its value and the string literal that
  follows its assignment (its docstring), grouped by the ``# -- group ---`` comments;
* :data:`abm.structural.STRUCTURAL`: the declared range and reasoning of every structural
  constant that can change a regime ordering.

The output is deterministic (no dates, no machine paths). Usage::

    python scripts/gen_param_docs.py            # (re)write docs/parameters.md
    python scripts/gen_param_docs.py --check    # exit 1 if docs/parameters.md is out of date
"""

from __future__ import annotations

import argparse
import ast
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from abm import constants as C  # noqa: E402
from abm.params import COMPONENT_TITLES, COMPONENTS, SPECS  # noqa: E402
from abm.presets import PRESET_NAMES, _table, preset_values, presets, resolve  # noqa: E402

OUTPUT = ROOT / "docs" / "parameters.md"
PRESETS_TOML = ROOT / "abm" / "presets.toml"
CONSTANTS_PY = ROOT / "abm" / "constants.py"


# -- formatting ------------------------------------------------------------------------------
def fmt(value) -> str:
    """Format a number or tuple for a table, deterministically."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (tuple, list)):
        inner = ", ".join(fmt(v) if not isinstance(v, str) else repr(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})"
    return repr(value)


def cell(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


# -- presets.toml comments -------------------------------------------------------------------
_SECTION = re.compile(r"^\s*\[([A-Za-z0-9_.-]+)\]\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_COMMENT_FORM = re.compile(
    r"^#\s*(?:([A-Za-z_]+)\.)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^:\[]+?)\s*(\[[^\]]*\])?\s*:\s*(.*)$")


def _split_comment(rest: str) -> tuple[str, str]:
    """Split a TOML value from its trailing comment (ignoring ``#`` inside strings)."""
    quote = None
    i = 0
    while i < len(rest):
        ch = rest[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return rest[:i].strip(), rest[i + 1:].strip()
        i += 1
    return rest.strip(), ""


def preset_comments(text: str) -> dict[str, dict]:
    """Per preset section: ``{"params": {name: (stated_value, tag, comment)}, "notes": [...]}``.

    ``stated_value`` is the value written in a comment line (``None`` for real assignments,
    whose value the TOML parser reads itself).
    """
    out: dict[str, dict] = {}
    section = None
    for line in text.splitlines():
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            out[section] = {"params": {}, "notes": []}
            continue
        if section is None:
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            c = _COMMENT_FORM.match(stripped)
            if c and c.group(2) in SPECS:
                comp, name, stated, tag, why = c.groups()
                note = why.strip()
                if comp and comp != SPECS[name].component:
                    note += f" (comment files it under '{comp}', code under " \
                            f"'{SPECS[name].component}')"
                out[section]["params"][name] = (stated.strip(), (tag or "").strip(), note)
            elif not re.match(r"^#\s*--", stripped):
                out[section]["notes"].append(stripped.lstrip("#").strip())
            continue
        a = _ASSIGN.match(line)
        if a and a.group(1) not in ("description", "extends"):
            _, comment = _split_comment(a.group(2))
            out[section]["params"][a.group(1)] = (None, "", comment)
    return out


# -- constants.py ----------------------------------------------------------------------------
_GROUP = re.compile(r"^#\s*--\s*(.+?)\s*-*\s*$")


def constant_rows() -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """``[(group, [(name, expression, value, docstring), ...]), ...]`` in source order."""
    source = CONSTANTS_PY.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    body = tree.body
    groups: list[tuple[str, list]] = [("general", [])]
    last_line = 0
    for i, node in enumerate(body):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            for ln in lines[last_line:node.lineno - 1]:  # group comments since the last node
                g = _GROUP.match(ln.strip())
                if g:
                    groups.append((g.group(1), []))
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names: list[str] = []
            for t in targets:
                if isinstance(t, ast.Name):
                    names.append(t.id)
                elif isinstance(t, (ast.Tuple, ast.List)):
                    names += [e.id for e in t.elts if isinstance(e, ast.Name)]
            doc = ""
            if i + 1 < len(body):
                nxt = body[i + 1]
                if (isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                        and isinstance(nxt.value.value, str)):
                    doc = " ".join(nxt.value.value.split())
            expr = ast.get_source_segment(source, node.value) if node.value is not None else ""
            literal = True
            try:
                ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError):
                literal = False
            for name in names:
                if name.startswith("_"):
                    continue
                value = getattr(C, name)
                shown_expr = "" if literal or len(names) > 1 else expr
                groups[-1][1].append((name, shown_expr, fmt(value), doc))
        last_line = getattr(node, "end_lineno", node.lineno)
    return [(g, rows) for g, rows in groups if rows]


# -- the document ----------------------------------------------------------------------------
def generate() -> str:
    names = list(PRESET_NAMES)
    resolved = {p: resolve(p) for p in names}
    descriptions = presets()
    comments = preset_comments(PRESETS_TOML.read_text(encoding="utf-8"))
    L: list[str] = []
    add = L.append
    add("# Parameters, presets and structural constants")
    add("")
    add("<!-- GENERATED FILE: do not edit. Regenerate with `python scripts/gen_param_docs.py`;")
    add("     tests/test_docs.py fails when this file is out of date. -->")
    add("")
    add("This file is generated from `abm/params.py` (`SPECS`), `abm/presets.toml` (through "
        "`abm.presets.resolve`) and `abm/constants.py`. What each parameter does inside the "
        "mechanisms is written out in [ODD.md](ODD.md), section 7.")
    add("")
    add("Units: money is millions of USD-equivalent (M); one step is one quarter. "
        "\"per scale\" means the value is multiplied by `scale` (every population and inflow). "
        "Ranges are inclusive and enforced by `abm.params.Params` (unknown names and "
        "out-of-range values are rejected). Parameter defaults are the `silicon_valley` values.")
    add("")
    add("In the preset columns, a value in **bold** differs from the parameter default.")
    add("")
    add("## Presets")
    add("")
    rows = []
    for p in names:
        vals = preset_values(p)
        changed = sum(1 for k, v in resolved[p].items() if v != SPECS[k].default)
        rows.append([f"`{p}`", descriptions.get(p, ""), str(len(vals)), str(changed)])
    L += table(["preset", "description", "values set in presets.toml (incl. `extends`)",
                "values differing from defaults"], rows)
    add("")
    add("## Parameters by component")
    add("")
    add("The first six components are the institutional components of a regime (Kushida 2022); "
        "`technology` is held equal across the country presets; `abm run --swap C=PRESET` "
        "takes every parameter of component `C` from another preset.")
    add("")
    for comp in COMPONENTS:
        specs = [s for s in SPECS.values() if s.component == comp]
        if not specs:
            continue
        add(f"### {COMPONENT_TITLES.get(comp, comp)} (`{comp}`)")
        add("")
        header = ["name", "unit", "range", "description"] + [f"`{p}`" for p in names]
        rows = []
        for s in specs:
            rng = f"[{fmt(s.low)}, {fmt(s.high)}]" + (" integer" if s.integer else "")
            row = [f"`{s.name}`", s.unit, rng, s.description]
            for p in names:
                v = resolved[p][s.name]
                row.append(f"**{fmt(v)}**" if v != s.default else fmt(v))
            rows.append(row)
        L += table(header, rows)
        add("")
    add("## Sources and reasoning for preset values")
    add("")
    add("Taken from the comments in `abm/presets.toml`. \"[calibrated]\" marks values set by "
        "calibration against the stylized facts (see [calibration.md](calibration.md)). "
        "A value listed with \"(no source given)\" is set by the preset without a comment.")
    add("")
    for p in names:
        info = comments.get(p, {"params": {}, "notes": []})
        raw = _table().get(p, {})  # the preset's own section (inherited values excluded)
        add(f"### `{p}`")
        add("")
        if "extends" in raw:
            add(f"Extends `{raw['extends']}`: every value of `{raw['extends']}` applies unless "
                "set here.")
            add("")
        for note in info["notes"]:
            add(f"> {note}")
        if info["notes"]:
            add("")
        listed = [n for n in SPECS if n in raw or n in info["params"]]
        if not listed:
            add("(no parameter-level comments)")
            add("")
            continue
        rows = []
        for n in listed:
            value = resolved[p][n]
            stated, tag, why = info["params"].get(n, (None, "", ""))
            text = " ".join(x for x in (tag, why) if x) or "(no source given)"
            if stated is not None:
                try:
                    ok = math.isclose(float(stated), float(value), rel_tol=1e-12, abs_tol=0.0)
                except ValueError:
                    ok = False
                if not ok:
                    text += f" **(the comment states {stated}; the value in use is {fmt(value)})**"
            rows.append([f"`{n}`", SPECS[n].component, fmt(value), text])
        L += table(["parameter", "component", "value", "source or reasoning"], rows)
        add("")
    add("## Structural constants (`abm/constants.py`)")
    add("")
    add("The same in every regime: regime differences live in parameters, never here. "
        "Where a constant is defined by an expression, the expression is shown with its value.")
    add("")
    for group, rows in constant_rows():
        add(f"### {group[0].upper() + group[1:]}")
        add("")
        out_rows = []
        for name, expr, value, doc in rows:
            shown = f"`{value}`" if not expr else f"`{expr}` = `{value}`"
            out_rows.append([f"`{name}`", shown, doc])
        L += table(["name", "value", "meaning"], out_rows)
        add("")
    L += structural_section()
    return "\n".join(L).rstrip("\n") + "\n"


def structural_section() -> list[str]:
    """The "Structural constants and their ranges" table (:data:`abm.structural.STRUCTURAL`)."""
    from abm.structural import STRUCTURAL

    out = ["## Structural constants and their ranges (`abm/structural.py`)", "",
           "Every structural constant (and technology parameter held equal across presets) "
           "that can change a regime ordering, with its plausible range and the source or "
           "reasoning for it. `experiments/structural_uncertainty.toml` samples them all over "
           "these ranges; a run sets constants with `RunSpec(constants={...})` (validated "
           "against these ranges).", ""]
    rows, per_preset = [], []
    for name, e in STRUCTURAL.items():
        if e.kind == "preset_parameter":
            per_preset.append(e)
            continue
        value = getattr(C, name) if e.kind == "constant" else SPECS[name].default
        rows.append([f"`{name}`", e.kind, fmt(value), fmt(float(e.low)), fmt(float(e.high)),
                     e.reasoning])
    out += table(["name", "kind", "value", "low", "high", "source or reasoning"], rows)
    out.append("")
    if per_preset:
        presets = list(per_preset[0].per_preset)
        out += ["### Country indices: a range per preset (`kind = \"preset_parameter\"`)", "",
                "The index parameters that differ between the country presets, each with a "
                "range per preset from the data maps of docs/indices.md (\"unsourced: +-50%\" "
                "where the page has no number). A sample point gives each a unit value u in "
                "[0, 1]; the run of preset p sets it to low_p + u (high_p - low_p), so every "
                "preset sits at the same relative place of its own range. Each cell: preset "
                "value, then [low, high].", ""]
        body = []
        for e in per_preset:
            cells = []
            for p in presets:
                lo, hi = e.per_preset[p]
                cells.append(f"{fmt(resolve(p)[e.name])} [{fmt(float(lo))}, {fmt(float(hi))}]")
            body.append([f"`{e.name}`", *cells, e.reasoning])
        out += table(["name", *presets, "source or reasoning"], body)
        out.append("")
    return out


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
            print(f"{args.output} is {what}: run `python scripts/gen_param_docs.py`",
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
