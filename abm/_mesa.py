"""What the model needs from Mesa, on every Mesa release it supports (3.3.x to 3.5.x).

Mesa changed how it numbers and holds a model's agents between those releases:

* **3.3** (the newest on Python 3.11): ``Agent.__init__`` numbers an agent from
  ``mesa.Agent._ids``, a class-level ``defaultdict`` keyed by the model, which keeps every
  model ever built alive; the model holds its agents in ``Model._agents`` (a dict) and in
  weak :class:`~mesa.agent.AgentSet` s.
* **3.4**: the model numbers its agents (``Model.agent_id_counter``, in
  ``Model.register_agent``); ``Agent._ids`` is gone; the same dict and weak sets.
* **3.5**: the same counter; no ``Model._agents`` dict: ``model.agents`` and
  ``model.agents_by_type`` hold their agents strongly (``mesa.agentset._HardKeyAgentSet``);
  ``Model(seed=...)`` is deprecated for ``Model(rng=...)`` (the same generators).

The seam: :class:`~abm.model.EcosystemModel` numbers its agents itself on all of them, from
``agent_id_counter`` (Mesa's own attribute since 3.4, set by the model on 3.3): an ``int`` in
the model's ``__dict__``, so it is pickled with a snapshot and freed with the model. Nothing
of Mesa's is replaced for the process: on 3.3 the model's own agent classes get a class
attribute ``_ids`` (:func:`number_by_model`) that shadows Mesa's registry for them only, so
Mesa's registry never sees this model (another Mesa model in the same process keeps Mesa's
behaviour).
"""

from __future__ import annotations

import re
from typing import Any

import mesa

MESA_VERSION: tuple[int, int] = tuple(int(x) for x in re.findall(r"\d+", mesa.__version__)[:2])
"""Mesa's (major, minor) release."""

CLASS_LEVEL_IDS: bool = hasattr(mesa.Agent, "_ids")
"""Mesa 3.3: ``Agent.__init__`` numbers agents from the class-level ``Agent._ids``."""

MODEL_AGENT_DICT: bool = MESA_VERSION < (3, 5)
"""Mesa 3.3 and 3.4: ``Model._agents`` (a dict) holds the agents, the agent sets weakly;
the model replaces the sets by strong ones sharing that dict (``EcosystemModel.register_agent``).
From 3.5 Mesa's own sets hold the agents strongly and the model uses them as they are."""


def model_kwargs(seed: int) -> dict[str, Any]:
    """``Model.__init__``'s seeding argument: ``seed=`` up to Mesa 3.4, ``rng=`` from 3.5
    (which deprecates ``seed=``; both build ``random.Random(seed)`` and
    ``numpy.random.default_rng(seed)``)."""
    return {"seed": seed} if MESA_VERSION < (3, 5) else {"rng": seed}


class _NoNumber:
    """Stands for ``mesa.Agent._ids`` on the model's agent classes (Mesa 3.3): the number
    ``Agent.__init__`` takes from it is ``None``, replaced at once by the model's own in
    ``register_agent``."""

    __slots__ = ()

    def __getitem__(self, model: Any) -> "_NoNumber":
        return self

    def __next__(self) -> None:
        return None

    def __iter__(self) -> "_NoNumber":
        return self


def number_by_model(*classes: type) -> None:
    """Let the model number the agents of ``classes`` (its own agent classes): on Mesa 3.3
    they get a class attribute ``_ids`` that shadows ``mesa.Agent._ids`` for them, so
    Mesa's class-level registry never holds the model. Nothing to do on Mesa 3.4+."""
    if CLASS_LEVEL_IDS:
        for cls in classes:
            cls._ids = _NoNumber()


def seed_from_mesa_keywords(seed: Any, overrides: dict[str, Any]) -> Any:
    """The seed, with Mesa's own constructor keywords taken out of a model's keyword
    arguments (``overrides``, changed in place): ``rng`` (Mesa's name for the seed since 3.4:
    ``mesa.batch_run(..., rng=...)`` passes it to a model whose signature has no ``seed``)
    and ``scenario`` (Mesa 3.5's ``Scenario``, which SolaraViz's Reset passes: its ``rng``
    is the seed, its other entries are parameter values, below those given by name).

    Raises:
        ValueError: a seed given twice with different values.
    """
    rng = overrides.pop("rng", None)
    scenario = overrides.get("scenario")
    if scenario is not None and _is_scenario(scenario):
        del overrides["scenario"]
        entries = dict(scenario.__dict__)
        if rng is None:
            rng = entries.get("rng")
        for name, value in entries.items():
            if name != "rng" and not name.startswith("_") and name != "model":
                overrides.setdefault(name, value)
    if rng is not None:
        if seed is not None and seed != rng:
            raise ValueError(f"seed given twice: seed={seed!r}, rng={rng!r}")
        seed = rng
    return seed


def _is_scenario(value: Any) -> bool:
    try:
        from mesa.experimental.scenarios import Scenario
    except ImportError:  # Mesa 3.3 and 3.4
        return False
    return isinstance(value, Scenario)


def batch_run_kwargs(seeds: list[int]) -> tuple[dict[str, Any], dict[str, Any]]:
    """How ``mesa.batch_run`` takes one seed per replicate: ``(parameters, keywords)`` to add.

    Mesa 3.3 has no ``rng`` argument: the seeds are a parameter (``seed``: one run per seed
    and combination) and ``iterations=1``. From 3.4 ``batch_run(rng=seeds)`` gives each run
    its seed (and overwrites a ``seed`` parameter with ``None`` when ``rng`` is not given)."""
    import inspect

    if "rng" in inspect.signature(mesa.batch_run).parameters:
        return {}, {"rng": list(seeds)}
    return {"seed": list(seeds)}, {"iterations": 1}
