"""Parameter ensembles: run any experiment over the accepted parameter vectors of a calibration.

``scripts/calibrate.py`` (:mod:`abm.experiments.calibration`) writes an ensemble file, a TOML file of
accepted parameter vectors (``abm/data/ensemble.toml`` with ``--write``; always also in its
``--out`` folder). Each member is one *joint* vector: the calibrated parameters of every
calibrated preset plus the shared structural constants (the constants are the same in every
regime, so a member is accepted only when all presets fit at once)::

    [meta]
    created = "..."            # free-form provenance (seeds, steps, scale, command)

    [[member]]
    id = 0
    distance = 0.21            # calibration distance of this vector (sum of squared residuals)
    [member.constants]
    ACQUISITION_HAZARD = 0.0121
    [member.presets.silicon_valley]
    acquisition_appetite = 0.513

:func:`apply_ensemble` gives replicate ``r`` of an experiment the member
``order[r % n]``, where ``order`` is a permutation of the members drawn from
``numpy.random.default_rng(ensemble_seed)``: deterministic for a seed, different members for
different replicates (as long as there are at most as many replicates as members), and the
*same* member for replicate ``r`` in every scenario (parameter uncertainty is a common random
number across scenarios, like the seeds). A run gets its preset's member values, except for
parameters the scenario sets itself (``[overrides]``, grid, sample or explicit scenario
overrides win) and parameters of a component swapped in from another preset (those take the
donor preset's member values); it gets the member's constants unless the scenario sets
constants itself. A preset that ``extends`` a calibrated one (``japan_2027_plan``) gets its
parent's member values for the parameters it does not set itself; presets without values in
the ensemble get only the constants.

Example:
    >>> ens = Ensemble(members=[{"id": 0, "presets": {"japan": {"cvc_allocation": 0.001}},
    ...                          "constants": {}}])
    >>> ens.draws(3, seed=1)
    [0, 0, 0]
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from abm.hints import did_you_mean
from abm.params import SPECS, ParameterError
from abm.presets import PRESET_NAMES

DEFAULT_ENSEMBLE_SEED = 16
"""Seed of the member order when an experiment does not give one (``--ensemble-seed``)."""


class EnsembleError(ValueError):
    """A missing, malformed or empty ensemble file (the message names the file and entry)."""


@dataclass
class Ensemble:
    """Accepted parameter vectors (see the module docstring for the file format)."""

    members: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    sha256: str = ""

    def __len__(self) -> int:
        return len(self.members)

    def draws(self, replicates: int, seed: int = DEFAULT_ENSEMBLE_SEED) -> list[int]:
        """Member index for each replicate ``0..replicates-1`` (a seeded permutation,
        cycled)."""
        order = np.random.default_rng(int(seed)).permutation(len(self.members))
        return [int(order[r % len(order)]) for r in range(int(replicates))]

    def values(self, index: int, preset: str) -> dict[str, float]:
        """Parameter values of member ``index`` for ``preset``: its own, then those of the
        presets it ``extends`` for parameters it does not set itself (``japan_2027_plan``
        gets ``japan``'s calibrated values); empty if there are none."""
        from abm.presets import _table

        table = _table()
        own = self.members[index].get("presets", {})
        values: dict[str, float] = {}
        set_nearer: set[str] = set()
        p: str | None = preset
        while p is not None:
            for k, v in own.get(p, {}).items():
                if k not in values and k not in set_nearer:
                    values[k] = v
            set_nearer |= set(table.get(p, {}))
            p = table.get(p, {}).get("extends")
        return values

    def constants(self, index: int) -> dict[str, float]:
        return dict(self.members[index].get("constants", {}))

    def describe(self, seed: int, replicates: int) -> dict[str, Any]:
        """What a manifest records about the ensemble an experiment ran over."""
        return {"path": str(self.path) if self.path else None, "sha256": self.sha256,
                "members": len(self.members), "seed": int(seed),
                "method": "member = permutation(numpy.random.default_rng(seed), n)"
                          "[replicate % n]; scenario settings win over member values",
                "replicate_members": self.draws(replicates, seed),
                "presets": sorted({p for m in self.members for p in m.get("presets", {})}),
                "meta": self.meta}


def load_ensemble(path: str | Path) -> Ensemble:
    """Read and check an ensemble file.

    Raises:
        EnsembleError: missing file, malformed TOML, no member, unknown preset, parameter or
            structural constant, or a value out of its valid range.
    """
    path = Path(path)
    if not path.is_file():
        raise EnsembleError(f"{path}: ensemble file not found (write one with "
                            "`python scripts/calibrate.py --write`, default "
                            "abm/data/ensemble.toml; see docs/calibration.md)")
    data_bytes = path.read_bytes()
    try:
        data = tomllib.loads(data_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EnsembleError(f"{path}: malformed TOML: {exc}") from None
    unknown = set(data) - {"meta", "member"}
    if unknown:
        raise EnsembleError(f"{path}: unknown table(s) {sorted(unknown)}; valid: meta, member")
    members = data.get("member", [])
    if not isinstance(members, list) or not members:
        raise EnsembleError(f"{path}: the ensemble is empty (no [[member]] entries); rerun "
                            "the calibration with a larger --ensemble-size or budget")
    checked = [check_member(m, f"{path}: member #{i + 1}") for i, m in enumerate(members)]
    return Ensemble(members=checked, meta=dict(data.get("meta", {})), path=path,
                    sha256=hashlib.sha256(data_bytes).hexdigest()[:16])


def check_member(member: Any, where: str) -> dict[str, Any]:
    """One member, validated: ``presets.PRESET.PARAMETER`` and ``constants.NAME`` values."""
    from abm.structural import StructuralError, check_constants

    if not isinstance(member, dict):
        raise EnsembleError(f"{where}: must be a table")
    bad = set(member) - {"id", "distance", "presets", "constants", "best"}
    if bad:
        raise EnsembleError(f"{where}: unknown key(s) {sorted(bad)}; valid: id, distance, "
                            "best, presets, constants")
    presets = member.get("presets", {})
    out: dict[str, dict[str, float]] = {}
    for preset, values in presets.items():
        if preset not in PRESET_NAMES:
            raise EnsembleError(f"{where}: unknown preset {preset!r}; "
                                f"{did_you_mean(preset, PRESET_NAMES, label='valid presets')}")
        out[preset] = {}
        for name, v in dict(values).items():
            if name not in SPECS:
                raise EnsembleError(f"{where}: unknown parameter {name!r} for {preset}; "
                                    f"{did_you_mean(name, list(SPECS))}")
            try:
                out[preset][name] = SPECS[name].check(v)
            except ParameterError as exc:
                raise EnsembleError(f"{where}: {preset}: {exc}") from None
    try:
        constants = check_constants(member.get("constants", {}))
    except StructuralError as exc:
        raise EnsembleError(f"{where}: {exc}") from None
    return {"id": member.get("id"), "distance": member.get("distance"), "presets": out,
            "constants": constants}


def apply_ensemble(runs: Sequence[Any], ensemble: Ensemble,
                   seed: int = DEFAULT_ENSEMBLE_SEED) -> list[Any]:
    """``runs`` (:class:`~abm.experiments.spec.RunSpec`) with each replicate's ensemble member
    applied (rules in the module docstring)."""
    from dataclasses import replace

    n_rep = 1 + max((int(r.replicate) for r in runs), default=-1)
    draws = ensemble.draws(n_rep, seed)
    out = []
    for r in runs:
        k = draws[int(r.replicate)]
        ov: dict[str, Any] = {}
        for name, v in ensemble.values(k, r.preset).items():
            donor = r.swaps.get(SPECS[name].component)
            if donor is None:
                ov[name] = v
        for component, donor in r.swaps.items():  # swapped components: the donor's values
            ov.update({n: v for n, v in ensemble.values(k, donor).items()
                       if SPECS[n].component == component})
        ov.update(dict(r.overrides))  # the scenario's own settings win
        const = dict(r.constants) if r.constants else ensemble.constants(k)
        out.append(replace(r, overrides=ov, constants=const))
    return out


def _drop_none(d: Mapping[str, Any]) -> dict[str, Any]:
    """``d`` without its None values, at every depth (TOML has no null)."""
    return {k: _drop_none(v) if isinstance(v, Mapping) else v
            for k, v in d.items() if v is not None}


def write_ensemble(path: str | Path, members: Sequence[Mapping[str, Any]],
                   meta: Mapping[str, Any] | None = None) -> Path:
    """Write an ensemble file (TOML, the format :func:`load_ensemble` reads)."""
    import tomli_w

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"meta": _drop_none(meta or {}),
           "member": [_drop_none(m) for m in members]}
    header = ("# Accepted parameter vectors of the calibration (scripts/calibrate.py; "
              "docs/calibration.md).\n# `abm experiment SPEC --ensemble FILE` runs a spec "
              "over them (experiments/ensemble.py).\n")
    path.write_text(header + tomli_w.dumps(doc), encoding="utf-8")
    return path
