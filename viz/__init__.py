"""The Solara visual app of the startup-ecosystem model (``abm viz``; see docs/viz.md).

Modules: :mod:`viz.app` (the page), :mod:`viz.session` (per-browser-session state, no Solara),
:mod:`viz.network` (the network picture), :mod:`viz.plots` (time-series panels and replicate
bands), :mod:`viz.components_panel` (the six components' maturity), :mod:`viz.why` (compare
mode's component swaps with intervals over seeds), :mod:`viz.jobs` (batches of runs in the
background, through the experiments runner).
"""
