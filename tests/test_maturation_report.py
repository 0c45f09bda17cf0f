"""The maturation report's functions (experiments/maturation.py) on small hand-built frames:
first crossing of a maturity level, 'not reached', and whether a component keeps a policy's
gain after the policy stops. No test here says which regime matures faster."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from abm.experiments import maturation as M


def _ts(run_id: str, values: list[float], col: str = "maturity_ties") -> pd.DataFrame:
    return pd.DataFrame({"run_id": run_id, "step": np.arange(1, len(values) + 1),
                         col: values})


def test_first_step_reaching_known_crossing_and_never():
    s = pd.Series([0.1, 0.3, 0.49, 0.5, 0.7, 0.4], index=[1, 2, 3, 4, 5, 6])
    assert M.first_step_reaching(s, 0.5) == 4.0  # at or above counts
    assert M.first_step_reaching(s, 0.6) == 5.0  # later falling back does not matter
    assert math.isnan(M.first_step_reaching(s, 0.75))


def test_time_to_reach_per_run_in_years():
    ts = pd.concat([_ts("a", [0.2] * 11 + [0.5, 0.8, 0.8]),  # 0.5 at step 12 = 3 years
                    _ts("b", [0.2] * 14),                     # never
                    _ts("c", [0.9] * 14)])                    # already there
    per = M.time_to_reach(ts, thresholds=(0.5, 0.75), components=("ties",))
    got = per.set_index(["run_id", "threshold"])
    assert got.loc[("a", 0.5), "step"] == 12 and got.loc[("a", 0.5), "years"] == 3.0
    assert got.loc[("a", 0.75), "step"] == 13
    assert math.isnan(got.loc[("b", 0.5), "years"]) and not got.loc[("b", 0.5), "at_start"]
    assert got.loc[("c", 0.75), "at_start"] and got.loc[("c", 0.75), "years"] == 0.0
    assert got.loc[("b", 0.5), "first_value"] == 0.2 and got.loc[("b", 0.5), "last_step"] == 14


def test_time_to_reach_skips_missing_components():
    per = M.time_to_reach(_ts("a", [0.6, 0.6]), components=("ties", "norms"))
    assert set(per["component"]) == {"ties"}


def test_summarise_reach_all_some_none():
    s = M.summarise_reach([3.0, 5.0, 4.0], horizon_years=40)
    assert s["n_reached"] == 3 and s["share"] == 1.0 and s["mean"] == 4.0
    assert s["ci_low"] < 4.0 < s["ci_high"] and s["text"].endswith("(3/3)")
    some = M.summarise_reach([3.0, math.nan, 5.0, math.nan], horizon_years=40)
    assert some["n"] == 4 and some["n_reached"] == 2 and some["share"] == 0.5
    assert some["mean"] == 4.0 and some["text"].endswith("(2/4)")
    assert M.summarise_reach([0.0, 0.0, math.nan], 40)["text"] == "at start (2/3)"
    none = M.summarise_reach([math.nan] * 5, horizon_years=40)
    assert none["n_reached"] == 0 and none["text"] == "not reached in 40 y (0/5)"
    one = M.summarise_reach([7.5, math.nan], horizon_years=40)
    assert one["text"] == "7.5 (1/2)"  # no interval from one replicate
    # the interval is clipped to the run: never below 0 or beyond the horizon
    wide = M.summarise_reach([0.25, 39.0], horizon_years=40)
    assert "[0.0, 40.0]" in wide["text"]


def test_share_at_or_above():
    assert M.share_at_or_above([0.4, 0.5, 0.9, math.nan], 0.5) == (2, 3)


def test_trend_verdict_rise_fall_hold():
    rising = M.paired_ci(pd.Series([0.30, 0.32, 0.35]), pd.Series([0.20, 0.21, 0.22]))
    assert M.trend_verdict(rising) == "keeps rising"
    falling = M.paired_ci(pd.Series([0.10, 0.11, 0.12]), pd.Series([0.20, 0.21, 0.22]))
    assert M.trend_verdict(falling) == "falls back"
    flat = M.paired_ci(pd.Series([0.4, 0.4, 0.4]), pd.Series([0.4, 0.4, 0.4]))
    assert M.trend_verdict(flat) == "holds"
    noisy = M.paired_ci(pd.Series([0.3, 0.1, 0.2]), pd.Series([0.2, 0.2, 0.2]))
    assert M.trend_verdict(noisy) == "not resolved"
    assert M.trend_verdict(M.paired_ci(pd.Series([0.5]), pd.Series([0.4]))) == "not resolved"


def _ci(lo, hi):
    return {"mean": (lo + hi) / 2, "ci_low": lo, "ci_high": hi}


def test_gain_verdict():
    assert M.gain_verdict(_ci(0.1, 0.2), _ci(0.05, 0.1)) == "gain kept"
    assert M.gain_verdict(_ci(0.1, 0.2), _ci(-0.01, 0.02)) == "gain lost"
    assert M.gain_verdict(_ci(0.1, 0.2), _ci(-0.1, -0.05)) == "below the no-plan run"
    assert M.gain_verdict(_ci(0.0, 0.0), _ci(0.0, 0.0)) == "no gain to keep"
    assert M.gain_verdict(_ci(-0.1, -0.05), _ci(0.01, 0.02)).startswith("above the no-plan")


LOOPS_ON = {k: 0.3 for k in M.LOOPS}
LOOPS_OFF = {k: 0.0 for k in M.LOOPS}


def _scen() -> pd.DataFrame:
    rows = []
    for loops in (LOOPS_ON, LOOPS_OFF):
        for start, end in ((40, 100000), (40, 60), (1000, 100000)):
            rows.append({"preset": "japan_2027_plan",
                         "parameters": {"scale": 0.5, "plan_start_step": start,
                                        "plan_end_step": end, **loops}})
    sc = pd.DataFrame(rows)
    sc.index.name = "index"
    return sc


def test_scenario_structure():
    sc = _scen()
    assert sorted(M.loop_pairs(sc)) == [(0, 3), (1, 4), (2, 5)]
    trip = M.withdrawal_triplets(sc, steps=160)
    assert {(t["kept"], t["withdrawn"], t["never"], t["start"], t["stop"]) for t in trip} \
        == {(0, 1, 2, 40, 60), (3, 4, 5, 40, 60)}
    assert M.withdrawal_triplets(sc, steps=50) == []  # the stop lies beyond the run


def test_self_sustaining_table_keeps_rising_vs_falls_back():
    """Loops on: after the stop at step 3 the withdrawn run's index keeps rising and stays
    above the never run; loops off: it falls back to the never run's level."""
    sc = _scen()
    sc["parameters"] = [dict(p, plan_end_step=(3 if p["plan_end_step"] == 60 else
                                               p["plan_end_step"]),
                             plan_start_step=(1 if p["plan_start_step"] == 40 else
                                              p["plan_start_step"]))
                        for p in sc["parameters"]]
    paths = {  # (scenario index) -> index path over steps 1..6, per replicate offset
        0: [0.40, 0.45, 0.50, 0.55, 0.60, 0.65],   # kept, loops on
        1: [0.40, 0.45, 0.50, 0.52, 0.54, 0.56],   # withdrawn, loops on: keeps rising
        2: [0.40, 0.41, 0.42, 0.43, 0.44, 0.45],   # never, loops on
        3: [0.40, 0.45, 0.50, 0.50, 0.50, 0.50],   # kept, loops off
        4: [0.40, 0.45, 0.50, 0.45, 0.42, 0.40],   # withdrawn, loops off: falls back
        5: [0.40, 0.40, 0.40, 0.40, 0.40, 0.40],   # never, loops off
    }
    runs, ts = [], []
    for idx, path in paths.items():
        for rep, noise in enumerate((0.0, 0.002, -0.002)):
            rid = f"s{idx}-r{rep}"
            vals = [v + noise * k for k, v in enumerate(path)]
            runs.append({"run_id": rid, "scenario_index": idx, "replicate": rep, "steps": 6,
                         "maturity_ties_end": vals[-1]})
            ts.append(_ts(rid, vals))
    runs, ts = pd.DataFrame(runs), pd.concat(ts)
    tab = M.self_sustaining_table(runs, sc, steps=6, ts=ts, components=("ties", "norms"))
    assert set(tab["component"]) == {"ties"}  # no maturity_norms_end column
    on = tab[tab["loops"] == "on"].iloc[0]
    off = tab[tab["loops"] == "off"].iloc[0]
    assert on["trend"] == "keeps rising" and on["verdict"] == "gain kept"
    assert off["trend"] == "falls back" and off["verdict"] == "gain lost"
    assert math.isclose(on["withdrawn_minus_never"]["mean"], 0.11, abs_tol=1e-9)
    assert math.isclose(off["gap_at_stop"]["mean"], 0.10, abs_tol=1e-9)
    assert math.isclose(on["loops_effect"]["mean"], 0.11, abs_tol=1e-9)
    assert "loops_effect" not in off or not isinstance(off.get("loops_effect"), dict)


def test_self_sustaining_table_from_end_values_only():
    sc = _scen()
    runs = pd.DataFrame([{"run_id": f"{i}-{r}", "scenario_index": i, "replicate": r,
                          "steps": 160, "maturity_support_end": 0.5 + 0.01 * (i % 3 == 0)}
                         for i in range(6) for r in range(3)])
    tab = M.self_sustaining_table(runs, sc, steps=160, components=("support",))
    assert "trend" not in tab and len(tab) == 2
    assert set(tab["verdict"]) == {"gain lost"}
