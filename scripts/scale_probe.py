"""Scale probe (issue 26 item 3; docs/prototypes/scale_displacement.md): does a model at
``scale`` s behave as s copies of the economy for incumbent turnover?

For each preset, scale and seed it runs the model quarter by quarter (one process) and writes
one CSV row per run with, per unit of scale, the run totals of incumbents displaced, acquired,
new incumbents (graduations: listed startups becoming incumbents), IPOs, unicorns, and the
means over the quarters after the burn-in of the active startups per sector, the live
incumbents per sector and the disruptive startups' share of the held (tied) customers; plus
productivity growth and the entrants' shares. Rows are appended as runs end, so a partial run
is usable. ``--analyse`` reads the CSV and prints means with 95% t-intervals and, per count, a
Poisson regression of the count on log scale with offset log scale (statsmodels GLM): a slope
of 0 is scale invariance (a count proportional to scale), its p-value tests the trend.

    PYTHONPATH=$PWD nice -n 10 python scripts/scale_probe.py --out out/scale_probe/base.csv \\
        --presets silicon_valley,korea --scales 0.5,1,2,4 --seeds 10 --steps 100
    python scripts/scale_probe.py --analyse out/scale_probe/base.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COUNTS = ("incumbents_displaced", "incumbents_acquired", "new_incumbents", "exits_ipo",
          "unicorns")
MEANS = ("startups_per_sector", "incumbents_per_sector", "disruptive_held_share",
         "ipo_heat_mean",
         "displaced_per_q_after_burnin")
RATES = ("productivity_growth", "growth_from_entrants_share", "entrant_loss_share_mean",
         "hhi_mean", "ma_share_of_exits")


def heat_holds() -> None:
    """Variant ``heat`` (a monkeypatch, no file changed): a quarter in which no lock-up ends
    leaves ``ipo_heat`` where it was, instead of decaying it by ``1 - IPO_HEAT_MEMORY``; a
    quarter with after-market returns updates it as before. (Under the rule of main the
    heat's level depends on how often a quarter has no lock-up end, which falls with scale.)"""
    from abm import constants as C
    from abm.mechanisms import funds as F

    def release_lockups(model) -> None:
        now, returns = model.steps, []
        for fund in model.live_funds():
            if fund.locked:
                for row in [r for r, info in fund.locked.items() if info[0] <= now]:
                    F._release(model, fund, row, returns)
        if returns:
            lam = C.IPO_HEAT_MEMORY
            model.ipo_heat = (1.0 - lam) * model.ipo_heat + lam * float(np.mean(returns))
    F.release_lockups = release_lockups


def tilt_per_copy() -> None:
    """Variant ``tilt`` (a monkeypatch): the sector shares' renormalisation
    (``abm.mechanisms.sectors``) is done within each copy of the economy (blocks of
    ``n_sectors`` sectors), not over all ``round(n_sectors x scale)`` sectors at once."""
    from abm.mechanisms import sectors as S
    from abm import constants as C

    def step(model) -> None:
        mk = model.market
        eps = model.rngs["sectors"].standard_normal(mk.base.size)
        z = (1.0 - C.SECTOR_SHARE_REVERSION) * mk.tilt + C.SECTOR_SHARE_VOLATILITY * eps
        k0 = max(1, int(model.p.n_sectors))
        out = np.empty_like(z)
        for a in range(0, z.size, k0):
            out[a:a + k0] = S.renormalise(mk.base[a:a + k0], z[a:a + k0])
        mk.tilt = out
    S.step = step


VARIANTS = {"heat": heat_holds, "tilt": tilt_per_copy}


EXITS: list[dict] = []
"""One record per displacement (:func:`record_exits`): written beside the runs' CSV."""


def record_exits() -> None:
    """Wrap ``abm.mechanisms.incumbents.exit_incumbent`` to record each displacement: the
    firm's origin, age, its sector's spending tilt ``z_s``, its share of its sector's incumbent
    sales, the sector's live incumbents, and the share of its shortfall entrants took. A
    reader: the wrapped function is called unchanged (same results)."""
    from abm.mechanisms import incumbents as I
    orig = I.exit_incumbent

    def wrapped(model, row, real0=None):
        inc = model.inc
        s = int(inc.sector[row])
        same = inc.view("alive") & (inc.view("sector") == s)
        sec_rev = float(inc.view("revenue")[same].sum())
        rec = {**getattr(model, "_probe_ctx", {}), "step": model.steps,
               "from_startup": int(bool(inc.from_startup[row])),
               "age": model.steps - int(inc.entered[row]),
               "tilt": float(model.market.tilt[s]),
               "sector_share": float(inc.revenue[row]) / sec_rev if sec_rev > 0 else 0.0,
               "incumbents_in_sector": int(same.sum())}
        orig(model, row, real0=real0)
        rec["entrant_loss_share"] = float(inc.entrant_loss_share[row])
        EXITS.append(rec)
    I.exit_incumbent = wrapped


def one(preset: str, seed: int, scale: float, steps: int) -> dict:
    from abm import constants as C
    from abm.model import EcosystemModel

    m = EcosystemModel(preset, seed=seed, scale=scale)
    m._probe_ctx = {"preset": preset, "seed": seed, "scale": scale}
    per_sec_st, per_sec_inc, held, heat = [], [], [], []
    d_burn = 0
    for _ in range(steps):
        m.step()
        if m.steps == m.burn_in:
            d_burn = m.counts["incumbents_displaced"]
        if m.steps > m.burn_in:
            n = m.st.n
            active = m.st.status[:n] == C.ACTIVE
            per_sec_st.append(active.sum() / m.n_sectors)
            per_sec_inc.append(m.inc.view("alive").sum() / m.n_sectors)
            dis = active & m.st.disruptive[:n]
            held.append(float(m.st.held[:n][dis].sum()) / m.n_sectors)
            heat.append(m.ipo_heat)
    s = m.summary()
    share = m.inc.view("entrant_loss_share")
    share = share[share >= 0]
    row = {"preset": preset, "seed": seed, "scale": scale, "steps": steps,
           "n_sectors": m.n_sectors}
    for k in COUNTS:
        row[k] = float(m.counts[k]) if k in m.counts else float(s[k])
    row["displaced_after_burnin"] = float(m.counts["incumbents_displaced"] - d_burn)
    row["startups_per_sector"] = float(np.mean(per_sec_st))
    row["incumbents_per_sector"] = float(np.mean(per_sec_inc))
    row["disruptive_held_share"] = float(np.mean(held))
    row["ipo_heat_mean"] = float(np.mean(heat))
    row["displaced_per_q_after_burnin"] = row["displaced_after_burnin"] / max(
        steps - m.burn_in, 1)
    row["entrant_loss_share_mean"] = float(share.mean()) if share.size else float("nan")
    row["entrant_loss_n"] = int(share.size)
    for k in RATES:
        if k in s:
            row[k] = float(s[k])
    return row


def ci(x):
    from scipy import stats
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return (float(x.mean()) if x.size else float("nan")), float("nan")
    return float(x.mean()), float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1)
                                  / np.sqrt(x.size))


def trend(rows, key):
    """Poisson GLM of the count on log(scale) with offset log(scale): (slope, se, p)."""
    import statsmodels.api as sm
    y = np.array([r[key] for r in rows], dtype=float)
    ls = np.log(np.array([r["scale"] for r in rows], dtype=float))
    if y.sum() == 0 or np.unique(ls).size < 2:
        return float("nan"), float("nan"), float("nan")
    X = sm.add_constant(ls)
    fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=ls).fit()
    # quasi-Poisson: scale the standard error by the Pearson dispersion (over-dispersed counts)
    disp = max(float(fit.pearson_chi2 / fit.df_resid), 1.0) if fit.df_resid > 0 else 1.0
    se = float(fit.bse[1]) * np.sqrt(disp)
    from scipy import stats
    z = float(fit.params[1]) / se
    return float(fit.params[1]), se, float(2 * stats.norm.sf(abs(z)))


def analyse(path: Path) -> str:
    with open(path) as fh:
        rows = [{k: (v if k == "preset" else float(v or "nan")) for k, v in r.items()}
                for r in csv.DictReader(fh)]
    out = []
    for preset in sorted({r["preset"] for r in rows}):
        for steps in sorted({r["steps"] for r in rows if r["preset"] == preset}):
            sub = [r for r in rows if r["preset"] == preset and r["steps"] == steps]
            scales = sorted({r["scale"] for r in sub})
            out.append(f"\n### {preset}, {int(steps)} quarters\n")
            out.append("| per unit of scale | " + " | ".join(
                f"s={s:g} (n={sum(r['scale'] == s for r in sub)})" for s in scales)
                + " | slope on log s (quasi-Poisson) | p |")
            out.append("|---|" + "---|" * (len(scales) + 2))
            for k in COUNTS + ("displaced_after_burnin",):
                cells = []
                for s in scales:
                    mu, h = ci([r[k] / s for r in sub if r["scale"] == s])
                    cells.append(f"{mu:.3g} ± {h:.2g}")
                b, se, p = trend(sub, k)
                out.append(f"| {k} | " + " | ".join(cells) + f" | {b:.3f} ± {1.96 * se:.3f} "
                           f"| {p:.3g} |")
            for k in MEANS[:4] + RATES:
                if k not in sub[0]:
                    continue
                cells = []
                for s in scales:
                    mu, h = ci([r[k] for r in sub if r["scale"] == s])
                    cells.append(f"{mu:.4g} ± {h:.2g}")
                # linear trend of the run mean on log scale (OLS)
                from scipy import stats
                x = np.log([r["scale"] for r in sub])
                y = np.array([r[k] for r in sub], dtype=float)
                ok = np.isfinite(y)
                if np.unique(x).size < 2:
                    out.append(f"| {k} (not per scale) | " + " | ".join(cells) + " | | |")
                    continue
                lr = stats.linregress(x[ok], y[ok])
                out.append(f"| {k} (not per scale) | " + " | ".join(cells)
                           + f" | {lr.slope:.4g} ± {1.96 * lr.stderr:.2g} (OLS) | {lr.pvalue:.3g} |")
    return "\n".join(out)


def analyse_exits(runs: Path, cut: float = -0.3) -> str:
    """Displacements per unit of scale split by the sector's spending tilt at the exit (below
    ``cut``: a declining sector), from the runs' CSV and its ``_exits.csv``; with the
    quasi-Poisson trend of each part."""
    with open(runs) as fh:
        rows = [{k: (v if k == "preset" else float(v or "nan")) for k, v in r.items()}
                for r in csv.DictReader(fh)]
    with open(runs.with_name(runs.stem + "_exits.csv")) as fh:
        ex = list(csv.DictReader(fh))
    for r in rows:
        mine = [e for e in ex if e["preset"] == r["preset"] and float(e["seed"]) == r["seed"]
                and float(e["scale"]) == r["scale"]]
        r["displaced_declining"] = float(sum(float(e["tilt"]) < cut for e in mine))
        r["displaced_other"] = float(sum(float(e["tilt"]) >= cut for e in mine))
    out = []
    for preset in sorted({r["preset"] for r in rows}):
        sub = [r for r in rows if r["preset"] == preset]
        scales = sorted({r["scale"] for r in sub})
        out.append(f"\n### {preset}: displaced per unit of scale by sector tilt at exit\n")
        out.append("| part | " + " | ".join(f"s={s:g}" for s in scales) + " | slope | p |")
        out.append("|---|" + "---|" * (len(scales) + 2))
        for k, name in (("displaced_declining", f"tilt < {cut}"),
                        ("displaced_other", f"tilt >= {cut}")):
            cells = []
            for s in scales:
                mu, h = ci([r[k] / s for r in sub if r["scale"] == s])
                cells.append(f"{mu:.3g} ± {h:.2g}")
            b, se, p = trend(sub, k)
            out.append(f"| {name} | " + " | ".join(cells) + f" | {b:.3f} ± {1.96 * se:.3f} | "
                       f"{p:.3g} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("out/scale_probe/runs.csv"))
    ap.add_argument("--presets", default="silicon_valley,korea")
    ap.add_argument("--scales", default="0.5,1,2,4")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--analyse", type=Path, default=None)
    ap.add_argument("--variant", default="",
                    help="comma-separated monkeypatched rules: heat, tilt (default: main's)")
    a = ap.parse_args()
    for v in filter(None, a.variant.split(",")):
        VARIANTS[v]()
    record_exits()
    exits_path = a.out.with_name(a.out.stem + "_exits.csv")
    if a.analyse:
        print(analyse(a.analyse))
        if a.analyse.with_name(a.analyse.stem + "_exits.csv").exists():
            print(analyse_exits(a.analyse))
        return
    scales = [float(x) for x in a.scales.split(",")]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    new = not a.out.exists()
    fields = None
    for preset in a.presets.split(","):
        for seed in range(a.first_seed, a.first_seed + a.seeds):  # every scale per seed
            for sc in scales:
                t0 = time.time()
                r = one(preset, seed, sc, a.steps)
                with open(a.out, "a", newline="") as fh:
                    w = csv.DictWriter(fh, fieldnames=fields or list(r))
                    fields = fields or list(r)
                    if new:
                        w.writeheader()
                        new = False
                    w.writerow(r)
                if EXITS:
                    with open(exits_path, "a", newline="") as fh:
                        w = csv.DictWriter(fh, fieldnames=list(EXITS[0]))
                        if fh.tell() == 0:
                            w.writeheader()
                        w.writerows(EXITS)
                    EXITS.clear()
                print(f"{preset} seed {seed} scale {sc:g}: displaced {r['incumbents_displaced']:g}"
                      f" new {r['new_incumbents']:g} ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
