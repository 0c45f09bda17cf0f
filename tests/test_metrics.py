"""Value tests of the summary metrics on hand-built states (through ``abm.metrics.summary``).

Each test builds a tiny model (``populate=False``), writes records by hand (startups' founding
and exit steps, realised deals, fund commitments, the per-quarter series) and checks the exact
value of the metrics docs/ODD.md section 5 defines. The run is ``T = 60`` quarters unless said
otherwise: the burn-in is steps 1 to ``BURN_IN`` = 20, so the metrics cover steps 21 to 60,
ten years. Expected values are written as the arithmetic the definition states.
"""

from __future__ import annotations

import math

import pytest

from abm import constants as C
from abm.metrics import summary

import builders as B

T = 60
YEARS = (T - C.BURN_IN) / C.STEPS_PER_YEAR


def test_the_hand_built_run_covers_ten_years_after_the_burn_in():
    assert (C.BURN_IN, C.STEPS_PER_YEAR, YEARS) == (20, 4, 10.0)
    m = B.record_quarters(B.make_model(seed=1), T)
    out = summary(m)
    assert out["steps"] == 60.0
    assert out == m.summary()


def _exits_model():
    """Exits after the burn-in: 3 acquisitions, 1 IPO, 2 failures (and one of each before)."""
    m = B.make_model(seed=1)
    for founded, exit_step in ((22, 30), (24, 36), (25, 45)):   # 2, 3 and 5 years
        B.add_record(m, founded, C.ACQUIRED, exit_step)
    B.add_record(m, 22, C.PUBLIC, 42)                           # 5 years
    for founded, exit_step in ((21, 25), (30, 32)):             # 1 and 0.5 years
        B.add_record(m, founded, C.FAILED, exit_step)
    # exits during the burn-in are not counted (stamped with step 20 = the last burn-in step)
    B.add_record(m, 5, C.ACQUIRED, 15)
    B.add_record(m, 2, C.PUBLIC, 20)
    B.add_record(m, 3, C.FAILED, 10)
    B.add_record(m, 30)                                         # still active
    return B.record_quarters(m, T)


def test_exit_counts_and_ma_share_of_exits():
    out = summary(_exits_model())
    assert (out["exits_ma"], out["exits_ipo"], out["failures"]) == (3.0, 1.0, 2.0)
    assert out["ma_share_of_exits"] == 3 / (3 + 1)
    assert out["startups_active_end"] == 1.0
    assert out["startups_founded"] == 7.0   # founded after the burn-in: 6 exited + 1 active


def test_median_years_to_exit_by_route():
    out = summary(_exits_model())
    assert out["median_years_to_ma"] == 3.0
    assert out["median_years_to_ipo"] == 5.0
    assert out["median_years_to_failure"] == (1.0 + 0.5) / 2


def test_no_exits_gives_zero_share_and_zero_medians():
    m = B.make_model(seed=1)
    B.add_record(m, 30)
    out = summary(B.record_quarters(m, T))
    for key in ("ma_share_of_exits", "median_years_to_ma", "median_years_to_ipo",
                "median_years_to_failure"):
        assert out[key] == 0.0, key


def test_survival_5y_counts_only_failures_within_five_years_of_the_cohort():
    m = B.make_model(seed=1)
    horizon = 5 * C.STEPS_PER_YEAR
    B.add_record(m, 22, C.FAILED, 22 + horizon)       # failed on the fifth anniversary: dead
    B.add_record(m, 22, C.FAILED, 22 + horizon + 1)   # failed after five years: survived
    B.add_record(m, 25, C.ACQUIRED, 28)               # acquired early: survived
    B.add_record(m, T - horizon)                      # the last cohort founded, still active
    # outside the cohort: founded in the burn-in, or less than five years before the end
    B.add_record(m, 20, C.FAILED, 21)
    B.add_record(m, T - horizon + 1, C.FAILED, T)
    out = summary(B.record_quarters(m, T))
    assert out["survival_5y"] == 3 / 4


def test_survival_5y_is_zero_without_a_cohort():
    m = B.make_model(seed=1)
    B.add_record(m, T - 1)
    assert summary(B.record_quarters(m, T))["survival_5y"] == 0.0


def _deals_model(proceeds, cost=1.0):
    m = B.make_model(seed=1)
    for i, p in enumerate(proceeds):
        route = C.DEAL_WRITE_OFF if p == 0 else C.DEAL_SALE
        m.deals.append((C.BURN_IN + 1 + i, cost, p, route, 0, 0, False))
    m.deals.append((C.BURN_IN, 1.0, 1000.0, C.DEAL_SALE, 0, 0, False))    # burn-in: left out
    m.deals.append((C.BURN_IN + 5, 0.0, 50.0, C.DEAL_SALE, 0, 0, False))  # no cost: left out
    m.add_fund("independent", 0.0)  # fund row 0 (not corporate)
    return B.record_quarters(m, T)


def test_deal_multiple_below_1_share_and_top_decile_deal_return_share():
    proceeds = [0.0, 0.0, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 19.25]  # sum 32
    out = summary(_deals_model(proceeds))
    assert out["deal_multiple_below_1_share"] == 4 / 10   # a multiple of exactly 1 is not below
    assert out["top_decile_deal_return_share"] == 19.25 / 32.0
    assert out["deal_multiple_above_10_share"] == 1 / 10
    assert out["deals_ended"] == 10


def test_deal_tail_exponent_is_the_pareto_mle_above_1x():
    proceeds = [0.0] * 5 + [math.e] * 10 + [math.e ** 2] * 10  # 20 deals above 1x
    out = summary(_deals_model(proceeds))
    assert out["deal_multiple_tail_exponent"] == pytest.approx(20 / (10 * 1 + 10 * 2))
    assert out["deal_multiple_below_1_share"] == 5 / 25  # written-off positions count as 0x


def test_top_decile_rounds_the_number_of_deals_up():
    proceeds = [8.0] + [1.0] * 9 + [0.0]  # 11 deals: the top decile is the best 2
    out = summary(_deals_model(proceeds, cost=2.0))
    assert out["top_decile_deal_return_share"] == (8.0 + 1.0) / 17.0
    assert out["deal_multiple_below_1_share"] == 10 / 11


def test_no_deals_gives_zero_deal_metrics():
    out = summary(B.record_quarters(B.make_model(seed=1), T))
    assert out["deal_multiple_below_1_share"] == 0.0
    assert out["top_decile_deal_return_share"] == 0.0


def test_gov_share_of_vc_commitments_after_the_burn_in():
    m = B.make_model(seed=1)
    m.commitments.extend([(21, "private_lp", 300.0), (30, "government", 100.0),
                          (40, "corporate", 100.0), (C.BURN_IN, "government", 1000.0)])
    out = summary(B.record_quarters(m, T))
    assert out["gov_share_of_vc_commitments"] == 100.0 / 500.0


def test_vc_invested_per_year_rounds_and_cvc_deal_share():
    m = B.make_model(seed=1)
    # (step, stage, amount, has corporate, has government, has independent)
    for step, amount, corporate in ((21, 2.0, True), (30, 4.0, False), (50, 6.0, False),
                                    (60, 8.0, True), (20, 100.0, True)):
        m.rounds.append((step, 1, amount, corporate, False, True))
    out = summary(B.record_quarters(m, T, total_revenue=10.0, value_added=5.0))
    assert out["vc_invested_per_year"] == (2.0 + 4.0 + 6.0 + 8.0) / YEARS
    assert out["rounds_per_year"] == 4 / YEARS
    assert out["cvc_deal_share"] == 2 / 4
    # VC intensity: VC per year over the mean annual value added (5 a quarter, after burn-in)
    assert out["value_added_per_year"] == 5.0 * C.STEPS_PER_YEAR
    assert out["vc_intensity"] == out["vc_invested_per_year"] / (5.0 * C.STEPS_PER_YEAR)


def test_hhi_mean_averages_the_series_after_the_burn_in():
    m = B.make_model(seed=1)
    hhi = lambda step: 1.0 if step <= C.BURN_IN else (0.25 if step % 2 else 0.5)  # noqa: E731
    out = summary(B.record_quarters(m, T, hhi=hhi))
    assert out["hhi_mean"] == 0.375


def test_hhi_mean_without_a_series_is_the_mean_sector_hhi_now():
    m = B.make_model(seed=1, n_sectors=2)
    B.add_incumbent(m, sector=0, revenue=3.0)
    B.add_incumbent(m, sector=0, revenue=1.0)
    B.add_incumbent(m, sector=1, revenue=5.0)
    B.add_record(m, 0, sector=1, revenue=5.0)   # an operating startup sells in sector 1 too
    out = summary(m)                            # no step run: no series
    assert out["hhi_mean"] == ((9.0 + 1.0) / 16.0 + (25.0 + 25.0) / 100.0) / 2


def test_entry_and_exit_rates_per_year_over_mean_firms():
    m = B.make_model(seed=1)
    for founded in (21, 25, 33, 47, 59):
        B.add_record(m, founded)
    B.add_record(m, 40, C.FAILED, 44)
    B.add_record(m, 41, C.ACQUIRED, 50)
    B.add_record(m, 42, C.PUBLIC, 52)               # an IPO is not an exit from the market
    B.add_record(m, 10, C.FAILED, 15)               # in the burn-in: neither entry nor exit
    gone = B.add_incumbent(m, sector=0, revenue=10.0)
    m.inc.exit_step[gone.row] = 30
    m.inc.alive[gone.row] = False
    old = B.add_incumbent(m, sector=0, revenue=10.0)
    m.inc.exit_step[old.row] = C.BURN_IN
    m.inc.alive[old.row] = False
    firms = lambda step: 1000.0 if step <= C.BURN_IN else (40.0 if step % 2 else 60.0)  # noqa
    out = summary(B.record_quarters(m, T, firms=firms))
    mean_firms = 50.0
    assert out["startups_founded"] == 8.0
    assert out["entry_rate"] == (8.0 / YEARS) / mean_firms
    assert out["exit_rate"] == ((1.0 + 1.0 + 1.0) / YEARS) / mean_firms
    assert out["incumbents_displaced"] == 1.0


def test_fund_tvpi_median_over_closed_funds_with_paid_in_capital():
    m = B.make_model(seed=1, step=1)
    tvpis = []
    for distributed in (50.0, 100.0, 300.0):
        fund = B.add_fund(m, size=100.0)
        fund.invested, fund.distributed = 100.0, distributed
        fund.lp_distributed = distributed  # net TVPI: what reached the LPs
        fund.closed = True
        tvpis.append(fund.tvpi())
    B.add_fund(m, size=100.0).invested = 100.0    # not closed: left out
    out = summary(B.record_quarters(m, T - 1))
    assert tvpis == [0.5, 1.0, 3.0]   # distributions over 100 paid in (no fees charged)
    assert out["fund_tvpi_median"] == 1.0


@pytest.mark.parametrize("key", ["ma_share_of_exits", "survival_5y",
                                 "deal_multiple_below_1_share",
                                 "top_decile_deal_return_share", "gov_share_of_vc_commitments",
                                 "cvc_deal_share"])
def test_shares_of_an_empty_run_are_zero(key):
    assert summary(B.record_quarters(B.make_model(seed=1), T))[key] == 0.0


def test_too_short_matches_the_metrics_that_have_no_observation_yet():
    """A run one step shorter than MIN_STEPS gives the metric its no-observation 0; one that
    long measures it (silicon_valley at scale 0.2 has a cohort and innovators by then)."""
    from abm import EcosystemModel
    from abm.metrics import MIN_STEPS, too_short
    from abm.outputs import OUTPUTS

    assert set(too_short(C.BURN_IN)) == {n for n, o in OUTPUTS.items() if o.summary and o.burn_in}
    assert too_short(max(MIN_STEPS.values())) == {}
    m = EcosystemModel(preset="silicon_valley", seed=1, scale=0.2)
    m.run(C.BURN_IN + 5 * C.STEPS_PER_YEAR)
    assert set(too_short(m.steps)) == {"survival_5y"}
    assert m.summary()["survival_5y"] == 0.0
    m.step()
    assert too_short(m.steps) == {} and m.summary()["survival_5y"] > 0


# -- the burn-in as a run setting (docs/ODD.md 7.22, "stationary start") ---------------------
def test_a_burn_in_changes_what_is_measured_never_the_path():
    """Same seed, burn-ins 20 and 140: the same time series, history and records; only the
    summary differs (it covers steps after the burn-in). One of the two also takes a summary
    half way."""
    import pandas as pd

    from abm import EcosystemModel

    a = EcosystemModel(preset="korea", seed=3, scale=0.2, burn_in=20).run(75)
    a.summary()  # a summary on the way changes nothing either (scripts/warmup_check.py)
    a.run(75)
    b = EcosystemModel(preset="korea", seed=3, scale=0.2, burn_in=140).run(150)
    assert (a.burn_in, b.burn_in) == (20, 140)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    assert a.history == b.history
    assert (a.st.view("founded") == b.st.view("founded")).all()
    assert (a.st.view("exit_step") == b.st.view("exit_step")).all()
    sa, sb = a.summary(), b.summary()
    assert sa["startups_founded"] > sb["startups_founded"] > 0
    assert sa["steps"] == sb["steps"] == 150.0


def test_metrics_at_burn_in_n_ignore_the_first_n_quarters():
    """A hand-built run of 60 quarters with burn_in = 40: only steps 41-60 (five years) count."""
    b, years = 40, (T - 40) / C.STEPS_PER_YEAR
    m = B.make_model(seed=1, burn_in=b)
    B.add_record(m, 30, C.ACQUIRED, 35)    # founded and acquired in the burn-in: not counted
    B.add_record(m, 22, C.ACQUIRED, 45)    # founded in the burn-in, acquired after it
    B.add_record(m, 45, C.PUBLIC, 50)      # founded and listed after it
    B.add_record(m, 41, C.FAILED, 44)
    B.record_quarters(m, T, innovation_startups=1.0, productivity=lambda t: 1.01 ** t)
    out = summary(m)
    assert (out["exits_ma"], out["exits_ipo"], out["failures"]) == (1.0, 1.0, 1.0)
    assert out["startups_founded"] == 2.0            # founded at steps 41 and 45
    assert out["innovation_total"] == T - b          # one a quarter, steps 41-60
    # from the end of step 40 (history[39]) to the end of step 60, over five years
    assert out["productivity_growth"] == pytest.approx(1.01 ** ((T - b) / years) - 1.0)
    # the same records at the default burn-in count from step 21
    d = B.make_model(seed=1)
    for founded, status, exit_step in ((30, C.ACQUIRED, 35), (22, C.ACQUIRED, 45),
                                       (45, C.PUBLIC, 50), (41, C.FAILED, 44)):
        B.add_record(d, founded, status, exit_step)
    out_d = summary(B.record_quarters(d, T, innovation_startups=1.0))
    assert out_d["exits_ma"] == 2.0 and out_d["innovation_total"] == T - C.BURN_IN


def test_too_short_reads_the_burn_in():
    from abm.metrics import min_steps, too_short

    assert min_steps(140)["survival_5y"] == 140 + 5 * C.STEPS_PER_YEAR + 1
    assert too_short(160, burn_in=140) == {"survival_5y": 161}
    assert too_short(200, burn_in=140) == {}
    assert "productivity_growth" in too_short(140, burn_in=140)


@pytest.mark.parametrize("bad", [-1, 2.5, 20.0, True, "20", None, C.MAX_STEPS])
def test_an_invalid_burn_in_is_refused_naming_it_and_its_range(bad):
    from abm import EcosystemModel
    from abm.params import ParameterError

    with pytest.raises(ParameterError, match=r"burn_in must be an integer .* from 0 to"):
        EcosystemModel(preset="japan", seed=1, populate=False, burn_in=bad)


def test_a_burn_in_not_shorter_than_the_run_is_refused():
    from abm.model import check_burn_in
    from abm.params import ParameterError

    assert check_burn_in(139, steps=140) == 139 and check_burn_in(0, steps=1) == 0
    with pytest.raises(ParameterError, match=r"burn_in must be .* 0 to 139 .* 140 steps"):
        check_burn_in(140, steps=140)


def test_snapshots_and_pickles_keep_the_burn_in():
    import copy
    import pickle

    from abm import EcosystemModel

    m = EcosystemModel(preset="japan", seed=1, scale=0.2, burn_in=6).run(3)
    assert EcosystemModel.restore(m.snapshot()).burn_in == 6
    assert pickle.loads(pickle.dumps(m)).burn_in == 6 and copy.deepcopy(m).burn_in == 6
    old = copy.deepcopy(m)
    del old.__dict__["burn_in"]  # a snapshot saved before the burn-in was a setting
    assert EcosystemModel.restore(old.snapshot()).burn_in == C.BURN_IN
