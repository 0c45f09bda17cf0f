"""Venture-track survival, taken apart (docs/prototypes/venture_survival.md): why ``survival_5y``
is near 0.92 in japan and korea. A probe: it follows every startup through a run and changes
nothing in the model's rules (mechanism functions are wrapped for the run to book each cash
flow by source; ``--const`` and ``--set`` are ablations on a scratch run, never defaults).

Per run (one process, one run at a time) it records:

* ``survival_5y`` as abm/metrics.py computes it, for the cohort windows of a 100-quarter run
  (founded in quarters 21-80) and of the 140-quarter warm-up (founded 141-180), from one run of
  ``--steps`` quarters (the model never reads its horizon, so quarters 1-100 of a 200-quarter run
  are the 100-quarter run);
* the quarterly hazard of failure by year of age (failures / private startup-quarters at risk,
  startups leaving by acquisition or listing censored), and each failure's cause: cash (no money
  after operations, rounds and grants) or stall (the ``STALL_HAZARD`` shutdown);
* per private startup-quarter: cash, burn (headcount x unit cost), revenue, headcount, runway
  (cash / net burn), summarised by year of age;
* a snapshot of every startup still private and active at age 20 quarters: rounds raised or
  not, grants, headcount growth since founding, and a ledger of the money it received by
  source (founders and angels at founding, customers' gross margin, partner contracts and
  business-group injections, venture rounds, grants, procurement) against what it burned.

    PYTHONPATH=$PWD nice -n 10 python scripts/survival_probe.py --presets korea --seeds 1-5 \\
        --steps 200 --out /tmp/surv.jsonl
    PYTHONPATH=$PWD nice -n 10 python scripts/survival_probe.py --report /tmp/surv.jsonl
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SOURCES = ("founding", "customers", "partners", "vc_rounds", "grants", "procurement", "other")
WINDOWS = {"w100": (20, 100), "w200": (140, 200), "all200": (20, 200)}


class Book:
    """Per-startup cumulative cash by source (grows with the startup table)."""

    def __init__(self):
        self.cum = {s: np.zeros(0) for s in SOURCES}
        self.burn = np.zeros(0)
        self.hc0 = np.zeros(0)
        self.hcmax = np.zeros(0)
        self.zero_hc_q = np.zeros(0)
        self.q_private = np.zeros(0)

    def fit(self, n):
        k = self.burn.size
        if n <= k:
            return
        grow = lambda a, fill=0.0: np.concatenate([a, np.full(n - k + 1024, fill)])
        for s in SOURCES:
            self.cum[s] = grow(self.cum[s])
        self.burn, self.zero_hc_q, self.q_private = (grow(self.burn), grow(self.zero_hc_q),
                                                     grow(self.q_private))
        self.hc0, self.hcmax = grow(self.hc0, -1.0), grow(self.hcmax)


@contextlib.contextmanager
def wrapped(book: Book, rec: dict):
    """Wrap the mechanisms that move a startup's cash, booking each move by source."""
    from abm import constants as C
    from abm.mechanisms import exits, founding, funding, operations, partnerships, policy
    from abm.queries import unit_cost

    saved = {}

    def wrap(mod, name, fn):
        saved[(mod, name)] = getattr(mod, name)
        setattr(mod, name, fn)

    def cash_diff(mod, name, source):
        inner = getattr(mod, name)

        def f(model, *a, **k):
            st = model.st
            n0 = st.n
            book.fit(st.n + 1)
            before = st.cash[:n0].copy()
            status = st.status[:n0].copy()
            g0 = st.grants[:n0].copy() if source == "policy" else None
            inner(model, *a, **k)
            book.fit(st.n + 1)
            d = st.cash[:n0] - before
            priv = status == C.ACTIVE
            if source == "policy":
                dg = st.grants[:n0] - g0
                book.cum["grants"][:n0] += np.where(priv, dg, 0)
                book.cum["procurement"][:n0] += np.where(priv, d - dg, 0)
            else:
                book.cum[source][:n0] += np.where(priv, d, 0)
            if source == "founding":  # new startups: what they started with
                new = np.arange(n0, st.n)
                book.cum["founding"][new] += st.cash[new]
                book.hc0[new] = st.headcount[new]
        wrap(mod, name, f)

    inner_ops = operations.step

    def ops(model):
        st = model.st
        book.fit(st.n + 1)
        n = st.n
        private = (st.status[:n] == C.ACTIVE).nonzero()[0]
        cash0 = st.cash[private].copy()
        hc = st.headcount[private].astype(float)
        inner_ops(model)
        inflow = st.revenue[private] * C.GROSS_MARGIN
        book.cum["customers"][private] += inflow
        paid = cash0 + inflow - st.cash[private]
        book.burn[private] += paid
        book.q_private[private] += 1
        book.zero_hc_q[private] += hc == 0
        book.hcmax[private] = np.maximum(book.hcmax[private], st.headcount[private])
        # the panel: private startups after operations
        age = model.steps - st.founded[private]
        cost = unit_cost(model)
        burn = st.headcount[private] * cost
        net = burn - st.revenue[private] * C.GROSS_MARGIN
        runway = np.where(net > 0, st.cash[private] / np.maximum(net, 1e-12), np.inf)
        rec["panel"].append(np.column_stack([age, st.cash[private], burn,
                                             st.revenue[private], st.headcount[private],
                                             runway]))
    wrap(operations, "step", ops)
    cash_diff(founding, "step", "founding")
    cash_diff(partnerships, "step", "partners")
    cash_diff(funding, "step", "vc_rounds")
    cash_diff(policy, "grants_and_procurement", "policy")

    inner_fail = exits.failures

    def failures(model):
        st = model.st
        n = st.n
        before = st.status[:n].copy()
        ins = np.asarray(model.quarter.insolvent, dtype=np.int64)
        cashout = np.zeros(n, bool)
        if ins.size:
            ins = ins[(st.cash[ins] <= 1e-9) & (st.status[ins] == C.ACTIVE)]
            cashout[ins] = True
        inner_fail(model)
        died = ((before == C.ACTIVE) & (st.status[:n] == C.FAILED)).nonzero()[0]
        for r in died.tolist():
            rec["cause"][r] = "cash" if cashout[r] else "stall"
    wrap(exits, "failures", failures)
    try:
        yield
    finally:
        for (mod, name), fn in saved.items():
            setattr(mod, name, fn)


def snapshot(model, book: Book, rec: dict, age: int = 20) -> None:
    """Startups still private and active at ``age`` quarters: their state and ledger."""
    from abm import constants as C
    st = model.st
    n = st.n
    rows = ((st.founded[:n] == model.steps - age) & (st.status[:n] == C.ACTIVE)).nonzero()[0]
    for r in rows.tolist():
        rec["snap"].append({
            "row": r, "founded": int(st.founded[r]), "raised": float(st.raised[r]),
            "grants": float(st.grants[r]), "hc": int(st.headcount[r]),
            "hc0": float(book.hc0[r]), "hcmax": float(book.hcmax[r]),
            "zero_hc_q": float(book.zero_hc_q[r]), "q": float(book.q_private[r]),
            "partner": int(st.partner[r] >= 0), "stage": int(st.stage[r]),
            "revenue": float(st.revenue[r]), "cash": float(st.cash[r]),
            "burn": float(book.burn[r]),
            **{"src_" + s: float(book.cum[s][r]) for s in SOURCES}})


def run_one(preset, seed, steps, overrides, consts, swaps=None):
    from abm import constants as C
    from abm.model import EcosystemModel
    old = {k: getattr(C, k) for k in consts}
    for k, v in consts.items():
        setattr(C, k, v)
    book, rec = Book(), {"panel": [], "cause": {}, "snap": []}
    t0 = time.process_time()
    try:
        m = EcosystemModel(preset, seed=seed, record_events=False, swaps=swaps or None,
                           **overrides)
        out = {"preset": preset, "seed": seed, "steps": steps, "overrides": overrides,
               "consts": consts, "swaps": swaps or {}}
        with wrapped(book, rec):
            for t in range(1, steps + 1):
                m.step()
                snapshot(m, book, rec)
                if t == 100:
                    s = m.summary()
                    out["s100"] = {k: s[k] for k in ("survival_5y", "productivity_growth",
                                                     "unicorns", "failures", "startups_founded",
                                                     "exits_ma", "exits_ipo")}
        s = m.summary()
        out["s_end"] = {k: s[k] for k in ("survival_5y", "productivity_growth", "unicorns",
                                          "failures", "startups_founded", "exits_ma",
                                          "exits_ipo")}
    finally:
        for k, v in old.items():
            setattr(C, k, v)
    st, n = m.st, m.st.n
    founded, status, ex = st.founded[:n], st.status[:n], st.exit_step[:n]
    H = 20
    for w, (b, end) in WINDOWS.items():
        if end > steps:
            continue
        coh = (founded > b) & (founded <= end - H)
        dead = (status == C.FAILED) & (ex <= founded + H)
        acq = (status == C.ACQUIRED) & (ex <= founded + H)
        ipo = ((status == C.PUBLIC) | (status == C.DELISTED)) & (ex <= founded + H)
        out[w] = {"n": int(coh.sum()), "survival_5y": float((coh & ~dead).sum() / coh.sum()),
                  "acquired_by_5y": float((coh & acq).sum() / coh.sum()),
                  "listed_by_5y": float((coh & ipo).sum() / coh.sum()),
                  # listed, then delisted (closed for want of cash) within the five years
                  "delisted_by_5y": float((coh & (status == C.DELISTED)
                                           & (st.delist_step[:n] <= founded + H)).sum()
                                          / coh.sum()),
                  "never_raised_alive": None}
        # hazard by year of age (private startup-quarters at risk, exits censored)
        stop = np.where(status == C.ACTIVE, end, np.minimum(ex, end))
        haz = []
        for y in range(5):
            lo, hi = founded + 4 * y, founded + 4 * y + 4   # ages in (4y, 4y+4]
            expo = np.clip(np.minimum(stop, hi) - lo, 0, 4)[coh].sum()
            f = (coh & (status == C.FAILED) & (ex > lo) & (ex <= hi)).sum()
            haz.append(float(f / expo) if expo else 0.0)
        out[w]["hazard_q_by_year"] = haz
        causes = [rec["cause"].get(r) for r in (coh & dead).nonzero()[0].tolist()]
        out[w]["fail_cause_stall_share"] = (causes.count("stall") / len(causes)
                                            if causes else 0.0)
    panel = np.concatenate(rec["panel"])
    pan = {}
    for y in range(6):
        sel = (panel[:, 0] > 4 * y) & (panel[:, 0] <= 4 * y + 4) if y < 5 else panel[:, 0] > 20
        x = panel[sel]
        if x.size == 0:
            continue
        rw = x[:, 5]
        pan[y] = {"n": int(sel.sum()), "cash_med": float(np.median(x[:, 1])),
                  "burn_med": float(np.median(x[:, 2])), "rev_med": float(np.median(x[:, 3])),
                  "hc_med": float(np.median(x[:, 4])), "hc0_share": float(np.mean(x[:, 4] == 0)),
                  "runway_med": float(np.median(rw)), "runway_inf_share": float(np.mean(
                      np.isinf(rw))), "runway_gt8_share": float(np.mean(rw > 8))}
    out["panel_by_age_year"] = pan
    out["snap"] = rec["snap"]
    out["cpu_s"] = time.process_time() - t0
    return out


def _num(v: str):
    return int(v) if v.lstrip("-").isdigit() else float(v)


def _parse_kv(items, cast=_num):
    d = {}
    for it in items or []:
        k, v = it.split("=", 1)
        d[k] = cast(v)
    return d


def report(path):
    rows = [json.loads(x) for x in open(path)]
    groups = {}
    for r in rows:
        key = (r["preset"], json.dumps({**r["overrides"], **{"swap_" + k: v for k, v in
                                                             r.get("swaps", {}).items()}},
                                       sort_keys=True),
               json.dumps(r["consts"], sort_keys=True))
        groups.setdefault(key, []).append(r)
    for (preset, ov, co), rs in groups.items():
        seeds = sorted(r["seed"] for r in rs)
        print(f"\n## {preset} overrides={ov} consts={co} seeds={seeds} steps={rs[0]['steps']}")
        for w in WINDOWS:
            ws = [r[w] for r in rs if w in r]
            if not ws:
                continue
            mean = lambda k: np.mean([x[k] for x in ws])
            hz = np.mean([x["hazard_q_by_year"] for x in ws], axis=0)
            print(f"  {w}: surv5={mean('survival_5y'):.3f} acq={mean('acquired_by_5y'):.3f} "
                  f"ipo={mean('listed_by_5y'):.3f} "
                  f"delisted={np.mean([x.get('delisted_by_5y', np.nan) for x in ws]):.3f} "
                  f"stall_share_of_fails="
                  f"{mean('fail_cause_stall_share'):.2f} hazard/q by year={np.round(hz, 4)}")
        for k in ("s100", "s_end"):
            if k in rs[0]:
                print(f"  {k}: " + " ".join(f"{m}={np.mean([r[k][m] for r in rs]):.4g}"
                                            for m in rs[0][k]))
        ys = sorted({y for r in rs for y in r["panel_by_age_year"]}, key=int)
        for y in ys:
            ps = [r["panel_by_age_year"][y] for r in rs if y in r["panel_by_age_year"]]
            print(f"  age yr {y}: " + " ".join(
                f"{m}={np.mean([p[m] for p in ps]):.3g}" for m in ps[0] if m != "n"))
        for lab, (b, end) in (("w100", (20, 80)), ("w200", (140, 180))):
            sn = [s for r in rs for s in r["snap"] if b < s["founded"] <= end]
            if not sn:
                continue
            a = lambda k: np.array([s[k] for s in sn])
            inflow = sum(a("src_" + s) for s in SOURCES)
            print(f"  alive-private at 5y ({lab}, n={len(sn)}): never_raised="
                  f"{np.mean(a('raised') == 0):.2f} got_grant={np.mean(a('grants') > 0):.2f} "
                  f"no_hc_growth={np.mean(a('hcmax') <= a('hc0')):.2f} "
                  f"hc_now_0={np.mean(a('hc') == 0):.2f} "
                  f"zero_hc_quarter_share={np.sum(a('zero_hc_q')) / np.sum(a('q')):.2f} "
                  f"partnered={np.mean(a('partner')):.2f} median_hc={np.median(a('hc')):.0f} "
                  f"median_burn_5y={np.median(a('burn')):.2f}")
            tot = {s: float(np.sum(a("src_" + s))) for s in SOURCES}
            T = sum(tot.values())
            print("    ledger share of money in: " + " ".join(
                f"{s}={tot[s] / T:.2f}" for s in SOURCES) + f" (mean in/startup "
                f"{T / len(sn):.2f}, burned {np.mean(a('burn')):.2f})")
            nr = a("raised") == 0
            if nr.any():
                t2 = {s: float(np.sum(a("src_" + s)[nr])) for s in SOURCES}
                T2 = sum(t2.values())
                print("    never-raised: share of money in: " + " ".join(
                    f"{s}={t2[s] / T2:.2f}" for s in SOURCES) +
                    f" median hc={np.median(a('hc')[nr]):.0f} "
                    f"median burn over 5y={np.median(a('burn')[nr]):.2f}")


def _ci(x):
    """Mean and 95% t-interval half-width over seeds."""
    x = np.asarray(x, float)
    if x.size < 2:
        return float(x.mean()), float("nan")
    t = {2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78, 6: 2.57, 7: 2.45, 8: 2.36, 9: 2.31, 10: 2.26}
    return float(x.mean()), t.get(x.size, 2.0) * float(x.std(ddof=1)) / np.sqrt(x.size)


def compare(base_path, paths):
    """Markdown rows: each variant's survival_5y (w100, w200) with its paired difference from
    the baseline runs of the same preset and seeds, and the 100-quarter summary's productivity
    growth and unicorns."""
    load = lambda p: [json.loads(x) for x in open(p)]
    base = {(r["preset"], r["seed"]): r for r in load(base_path)}
    print("| preset | variant | seeds | survival_5y q21-100 | paired diff | survival_5y q141-200 |"
          " paired diff | productivity_growth (100 q) | paired diff | unicorns (100 q) |"
          " paired diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    fmt = lambda mc: f"{mc[0]:.3f} ± {mc[1]:.3f}"
    for path in paths:
        rows = load(path)
        by = {}
        for r in rows:
            by.setdefault(r["preset"], []).append(r)
        for preset, rs in by.items():
            rs = [r for r in rs if (preset, r["seed"]) in base]
            b = [base[(preset, r["seed"])] for r in rs]
            r0 = rs[0]
            var = " ".join(f"{k}={v}" for k, v in {**r0["overrides"], **r0["consts"],
                                                    **{"swap " + k: v for k, v in
                                                       r0.get("swaps", {}).items()}}.items())
            cells = []
            for w in ("w100", "w200"):
                if all(w in r for r in rs):
                    x = [r[w]["survival_5y"] for r in rs]
                    d = [r[w]["survival_5y"] - bb[w]["survival_5y"] for r, bb in zip(rs, b)]
                    cells += [fmt(_ci(x)), f"{_ci(d)[0]:+.3f} ± {_ci(d)[1]:.3f}"]
                else:
                    cells += ["", ""]
            for k, f in (("productivity_growth", ".4f"), ("unicorns", ".1f")):
                x = [r["s100"][k] for r in rs]
                d = [r["s100"][k] - bb["s100"][k] for r, bb in zip(rs, b)]
                cells += [f"{_ci(x)[0]:{f}} ± {_ci(x)[1]:{f}}", f"{_ci(d)[0]:+{f}} ± {_ci(d)[1]:{f}}"]
            print(f"| {preset} | {var} | {len(rs)} | " + " | ".join(cells) + " |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presets", default="silicon_valley,japan,korea,japan_2027_plan")
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--set", nargs="*", help="parameter overrides name=value (ablation)")
    ap.add_argument("--const", nargs="*", help="constants name=value (scratch ablation)")
    ap.add_argument("--swap", nargs="*", help="component swaps component=preset (ablation)")
    ap.add_argument("--out")
    ap.add_argument("--report")
    ap.add_argument("--compare", nargs="+", metavar="JSONL",
                    help="baseline runs, then variant runs: paired markdown table")
    a = ap.parse_args(argv)
    if a.report:
        report(a.report)
        return
    if a.compare:
        compare(a.compare[0], a.compare[1:])
        return
    lo, hi = (int(x) for x in a.seeds.split("-")) if "-" in a.seeds else (int(a.seeds),) * 2
    for preset in a.presets.split(","):
        for seed in range(lo, hi + 1):
            r = run_one(preset, seed, a.steps, _parse_kv(a.set), _parse_kv(a.const),
                        _parse_kv(a.swap, str))
            with open(a.out, "a") as f:
                f.write(json.dumps(r) + "\n")
            print(preset, seed, r.get("w100", {}).get("survival_5y"),
                  r.get("w200", {}).get("survival_5y"), f"{r['cpu_s']:.0f}s", flush=True)


if __name__ == "__main__":
    main()
