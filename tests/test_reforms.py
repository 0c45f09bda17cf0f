"""Dated swaps (abm/mechanisms/reforms.py): a component reformed at a date takes the donor's
values at the first quarter of its year and not before; the rest of the model is untouched."""

from __future__ import annotations

import pytest

from abm import EcosystemModel
from abm.mechanisms import reforms
from abm.params import ParameterError, names_for
from abm.presets import preset_dated_swaps, resolve

import builders as B


def _labor(p):
    return {n: p[n] for n in names_for("labor")}


def test_a_dated_swap_takes_effect_at_its_date_and_not_before():
    m = EcosystemModel(preset="japan", seed=3, scale=0.2, start_year=2025,
                       dated_swaps={"labor": ("silicon_valley", 2027)}, record_events=False)
    japan, sv = _labor(resolve("japan")), _labor(resolve("silicon_valley"))
    for _ in range(8):  # 2025 and 2026
        m.step()
        assert _labor(m.p) == japan
        assert m.reforms_done == []
    m.step()  # step 9: the first quarter of 2027
    assert _labor(m.p) == sv
    assert m.reforms_done == [(9, "labor", "silicon_valley")]
    # every other component kept its values
    for comp in ("finance", "ties", "industry", "norms", "support"):
        for n in names_for(comp):
            assert m.p[n] == resolve("japan")[n]
    m.run(4)
    assert len(m.reforms_done) == 1


def test_due_only_in_the_first_quarter_of_the_year():
    m = B.make_model("japan", seed=1, start_year=2025,
                     dated_swaps={"finance": ("silicon_valley", 2026)})
    assert reforms.due(m, 5) == [("finance", "silicon_valley")]
    assert all(reforms.due(m, s) == [] for s in (1, 4, 6, 7, 8, 9))


def test_industry_reform_shifts_each_incumbent_by_the_change_of_the_preset_value():
    m = B.make_model("japan", seed=1)
    a = B.add_incumbent(m)
    b = B.add_incumbent(m)
    m.inc.openness[a.row], m.inc.openness[b.row] = 0.2, 0.9
    changes = reforms.apply(m, "industry", "silicon_valley")
    d = resolve("silicon_valley").incumbent_openness - resolve("japan").incumbent_openness
    assert "incumbent_openness" in changes
    assert m.inc.openness[a.row] == pytest.approx(min(1.0, max(0.0, 0.2 + d)))
    assert m.inc.openness[b.row] == pytest.approx(min(1.0, max(0.0, 0.9 + d)))
    # the population-building parameters are not reformed
    assert m.p.n_business_groups == resolve("japan").n_business_groups


def test_without_dated_swaps_a_run_is_unchanged():
    a = EcosystemModel(preset="japan", seed=5, scale=0.2, record_events=False).run(8)
    b = EcosystemModel(preset="japan", seed=5, scale=0.2, record_events=False,
                       dated_swaps={}).run(8)
    assert a.summary() == b.summary()


def test_a_reform_dated_after_the_last_step_changes_nothing():
    base = EcosystemModel(preset="japan", seed=5, scale=0.2, start_year=2025,
                          record_events=False).run(8)
    late = EcosystemModel(preset="japan", seed=5, scale=0.2, start_year=2025,
                          record_events=False,
                          dated_swaps={"norms": ("silicon_valley", 2027)}).run(8)
    # the reform lies after the 8 steps run: identical runs
    assert base.summary() == late.summary()


@pytest.mark.parametrize("bad, word", [
    ({"lab": ("silicon_valley", 2030)}, "unknown component"),
    ({"labor": ("atlantis", 2030)}, "unknown preset"),
    ({"labor": ("silicon_valley", 2020)}, "start_year"),
    ({"labor": ("silicon_valley",)}, "donor_preset, year"),
])
def test_bad_dated_swaps_are_rejected_with_a_clear_error(bad, word):
    with pytest.raises(ParameterError, match=word):
        EcosystemModel(preset="japan", seed=1, populate=False, start_year=2025,
                       dated_swaps=bad)


def test_japan_history_resolves_and_starts_in_2000():
    p = resolve("japan_history")
    assert p.start_year == 2000
    assert preset_dated_swaps("japan_history") == {"ties": ("japan", 2004)}
    m = EcosystemModel(preset="japan_history", seed=2, scale=0.2, record_events=False)
    assert m.dated_swaps == {"ties": ("japan", 2004)}
    m.run(17)
    assert m.reforms_done == [(17, "ties", "japan")]  # 2004 Q1
    assert m.p.uni_spinoff_rate == resolve("japan").uni_spinoff_rate
