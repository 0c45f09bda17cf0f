"""The Solara visual app of the startup-ecosystem model (``abm viz``; see docs/viz.md).

Modules: :mod:`abm.viz.app` (the page), :mod:`abm.viz.session` (per-browser-session state, no Solara),
:mod:`abm.viz.network` (the network picture), :mod:`abm.viz.plots` (time-series panels and replicate
bands), :mod:`abm.viz.components_panel` (the six components' maturity), :mod:`abm.viz.why` (compare
mode's component swaps with intervals over seeds), :mod:`abm.viz.jobs` (batches of runs in the
background, through the experiments runner).
"""
