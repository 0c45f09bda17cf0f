"""Parameters and presets: validation, immutability, documentation, component swaps."""

from __future__ import annotations

import doctest
import importlib
import math
import pickle
import pkgutil

import pytest

import abm
from abm.params import (COMPONENTS, INSTITUTIONS, SPECS, ParameterError, Params, _fmt,
                        names_for, unknown_name_error)
from abm.presets import PRESET_NAMES, preset_values, presets, resolve

COUNTRY_PRESETS = ("silicon_valley", "japan", "korea")


# -- names ------------------------------------------------------------------------------------
def test_unknown_name_rejected_with_closest_names():
    with pytest.raises(ParameterError) as err:
        Params.from_dict({"job_mobilty": 0.02})
    msg = str(err.value)
    assert "job_mobilty" in msg
    assert "job_mobility" in msg
    assert "did you mean" in msg


def test_unknown_name_far_from_everything_lists_valid_names():
    err = unknown_name_error("zzzzzzzz")
    msg = str(err)
    assert "zzzzzzzz" in msg
    for name in ("scale", "job_mobility", "plan_start_step"):
        assert name in msg


def test_unknown_name_rejected_by_replace_and_resolve():
    with pytest.raises(ParameterError, match="acquisition_appetite"):
        Params().replace(acquisition_apetite=0.5)
    with pytest.raises(ParameterError, match="tech_transfer"):
        resolve("japan", overrides={"tech_transfr": 0.5})


# -- ranges and types -------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SPECS))
def test_out_of_range_rejected_with_the_range(name):
    spec = SPECS[name]
    span = max(spec.high - spec.low, 1.0)
    for bad in (spec.low - span, spec.high + span):
        with pytest.raises(ParameterError) as err:
            Params.from_dict({name: bad})
        msg = str(err.value)
        assert name in msg
        assert "range" in msg
        assert f"[{_fmt(spec.low)}, {_fmt(spec.high)}]" in msg


@pytest.mark.parametrize("name", list(SPECS))
def test_bounds_are_inclusive(name):
    spec = SPECS[name]
    others = {}
    if name == "n_business_groups":
        others["n_incumbents"] = spec.high
    if name == "n_incumbents":
        others["n_business_groups"] = spec.low
    if name == "ipo_threshold":
        others["incumbent_threshold"] = SPECS["incumbent_threshold"].high
    if name == "incumbent_threshold":
        others["ipo_threshold"] = SPECS["ipo_threshold"].low
    for value in (spec.low, spec.high):
        p = Params.from_dict({**others, name: value})
        assert p[name] == value


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_rejected(bad):
    with pytest.raises(ParameterError, match="job_mobility"):
        Params.from_dict({"job_mobility": bad})


def test_non_numbers_rejected_numeric_strings_coerced():
    with pytest.raises(ParameterError, match="must be a number"):
        Params.from_dict({"job_mobility": "abc"})
    with pytest.raises(ParameterError, match="must be a number"):
        Params.from_dict({"job_mobility": None})
    assert Params.from_dict({"job_mobility": "0.02"}).job_mobility == 0.02


def test_integer_parameters():
    ints = [n for n, s in SPECS.items() if s.integer]
    assert {"n_sectors", "n_universities", "n_incumbents", "n_business_groups",
            "plan_start_step"} <= set(ints)
    for name in ints:
        spec = SPECS[name]
        assert float(spec.default).is_integer()
        value = Params.from_dict({name: float(spec.default)})[name]
        assert isinstance(value, int) and value == spec.default
        with pytest.raises(ParameterError, match="whole number"):
            Params.from_dict({name: spec.low + 0.5})
    assert isinstance(Params().job_mobility, float)


def test_cross_field_business_groups_not_above_incumbents():
    with pytest.raises(ParameterError) as err:
        Params.from_dict({"n_incumbents": 5, "n_business_groups": 6})
    assert "n_business_groups" in str(err.value) and "n_incumbents" in str(err.value)
    assert Params.from_dict({"n_incumbents": 5, "n_business_groups": 5}).n_business_groups == 5


def test_cross_field_incumbent_threshold_above_ipo_threshold():
    with pytest.raises(ParameterError) as err:
        Params.from_dict({"ipo_threshold": 500.0, "incumbent_threshold": 500.0})
    assert "incumbent_threshold" in str(err.value) and "ipo_threshold" in str(err.value)
    with pytest.raises(ParameterError):
        Params().replace(ipo_threshold=Params().incumbent_threshold)
    Params.from_dict({"ipo_threshold": 500.0, "incumbent_threshold": 501.0})


# -- immutability -----------------------------------------------------------------------------
def test_params_are_immutable():
    p = Params()
    with pytest.raises(AttributeError):
        p.job_mobility = 0.1
    with pytest.raises(TypeError):
        p["job_mobility"] = 0.1  # type: ignore[index]
    with pytest.raises(TypeError):
        p._values["job_mobility"] = 0.1
    q = p.replace(job_mobility=0.1)
    assert q.job_mobility == 0.1 and p.job_mobility == SPECS["job_mobility"].default
    d = q.to_dict()
    d["job_mobility"] = 0.2
    assert q.job_mobility == 0.1
    with pytest.raises(AttributeError):
        del q.job_mobility


def test_params_attributes_are_the_values_and_never_shadow_a_method():
    p = resolve("japan")
    assert not set(SPECS) & {n for n in dir(Params) if not n.startswith("_")}
    assert all(getattr(p, n) == p[n] for n in SPECS)
    with pytest.raises(AttributeError, match="did you mean: job_mobility"):
        p.job_mobilty  # noqa: B018


def test_params_mapping_and_pickle():
    p = resolve("korea")
    assert set(p) == set(SPECS) and len(p) == len(SPECS)
    assert p["tech_transfer"] == p.tech_transfer
    assert pickle.loads(pickle.dumps(p)) == p
    with pytest.raises(AttributeError):
        p.not_a_parameter  # noqa: B018


# -- documentation ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SPECS))
def test_every_spec_documented_and_default_in_range(name):
    spec = SPECS[name]
    assert spec.name == name
    assert spec.unit.strip()
    assert spec.component in COMPONENTS
    assert len(spec.description.strip()) > 10
    assert spec.low <= spec.default <= spec.high
    assert spec.check(spec.default) == spec.default


def test_every_component_has_parameters():
    assert INSTITUTIONS == ("finance", "labor", "ties", "industry", "norms", "support")
    for component in COMPONENTS:
        assert names_for(component), component
    assert sorted(n for c in COMPONENTS for n in names_for(c)) == sorted(SPECS)


def test_default_model_is_silicon_valley():
    """With no preset the model runs silicon_valley (its calibrated values, not the raw
    parameter defaults)."""
    from abm import EcosystemModel

    model = EcosystemModel(seed=1, populate=False)
    assert model.p == resolve("silicon_valley")
    assert set(preset_values("silicon_valley")) <= set(SPECS)


# -- presets ----------------------------------------------------------------------------------
def test_preset_names_and_descriptions():
    table = presets()
    assert tuple(table) == PRESET_NAMES
    assert {"silicon_valley", "japan", "korea", "japan_2027_plan"} <= set(table)
    for name, desc in table.items():
        assert desc.strip(), name


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_presets_resolve(name):
    p = resolve(name)
    assert isinstance(p, Params)
    for key, value in preset_values(name).items():
        assert p[key] == SPECS[key].check(value)


def test_plan_extends_japan_and_only_adds_policy():
    japan, plan = resolve("japan"), resolve("japan_2027_plan")
    changed = {n for n in SPECS if japan[n] != plan[n]}
    assert changed, "the plan must change something"
    assert all(SPECS[n].component == "policy" for n in changed)
    assert plan.plan_start_step < SPECS["plan_start_step"].high


@pytest.mark.parametrize("component", COMPONENTS)
@pytest.mark.parametrize("base,donor", [("japan", "silicon_valley"), ("silicon_valley", "korea"),
                                        ("korea", "japan")])
def test_swap_copies_exactly_that_component(component, base, donor):
    swapped = resolve(base, swaps={component: donor})
    b, d = resolve(base), resolve(donor)
    own = set(names_for(component))
    for name in SPECS:
        expected = d[name] if name in own else b[name]
        assert swapped[name] == expected, (name, component)


def test_swap_then_override_order():
    p = resolve("japan", swaps={"labor": "silicon_valley"}, overrides={"job_mobility": 0.2})
    assert p.job_mobility == 0.2
    assert p.lifetime_employment_share == resolve("silicon_valley").lifetime_employment_share


def test_technology_equal_across_country_presets():
    tech = names_for("technology")
    assert tech
    ref = resolve(COUNTRY_PRESETS[0])
    for name in PRESET_NAMES:
        p = resolve(name)
        for t in tech:
            assert p[t] == ref[t], (name, t)
    for name in PRESET_NAMES:  # and presets do not even set them
        assert not set(preset_values(name)) & set(tech), name


def test_country_presets_differ_in_every_institution():
    sv = resolve("silicon_valley")
    for name in ("japan", "korea"):
        p = resolve(name)
        for component in INSTITUTIONS:
            assert any(p[n] != sv[n] for n in names_for(component)), (name, component)


def test_unknown_preset_lists_valid_presets():
    with pytest.raises(ParameterError) as err:
        resolve("japn")
    msg = str(err.value)
    assert "japn" in msg
    for name in PRESET_NAMES:
        assert name in msg
    with pytest.raises(ParameterError, match="silicon_valley"):
        resolve("japan", swaps={"labor": "atlantis"})


def test_unknown_component_lists_valid_components():
    with pytest.raises(ParameterError) as err:
        resolve("japan", swaps={"labour": "silicon_valley"})
    msg = str(err.value)
    assert "labour" in msg
    for component in COMPONENTS:
        assert component in msg
    with pytest.raises(ParameterError, match="finance"):
        names_for("money")


def test_model_rejects_bad_parameters_and_seeds():
    with pytest.raises(ParameterError, match="job_mobility"):
        abm.EcosystemModel(preset="japan", seed=1, populate=False, job_mobilty=0.1)
    with pytest.raises(ParameterError, match="range"):
        abm.EcosystemModel(preset="japan", seed=1, populate=False, job_mobility=2.0)
    with pytest.raises(ParameterError, match="korea"):
        abm.EcosystemModel(preset="narnia", seed=1, populate=False)
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ParameterError, match="seed"):
            abm.EcosystemModel(preset="japan", seed=bad, populate=False)
    m = abm.EcosystemModel(preset="japan", seed=1, populate=False)
    for bad in (-1, 2.5, True):
        with pytest.raises(ParameterError, match="steps"):
            m.run(bad)


def test_model_params_override_and_swap():
    m = abm.EcosystemModel(preset="japan", seed=1, populate=False,
                           swaps={"finance": "silicon_valley"}, job_mobility=0.2)
    sv, jp = resolve("silicon_valley"), resolve("japan")
    assert m.p.job_mobility == 0.2
    assert m.p.lp_capital_per_year == sv.lp_capital_per_year
    assert m.p.acquisition_appetite == jp.acquisition_appetite


# -- doctests ---------------------------------------------------------------------------------
def _abm_modules():
    names = ["abm"]
    for info in pkgutil.walk_packages(abm.__path__, prefix="abm."):
        names.append(info.name)
    return names


@pytest.mark.parametrize("module_name", _abm_modules())
def test_doctests(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {module_name}"
