"""The Solara visual app of the startup-ecosystem model (``abm viz``; see docs/viz.md).

Modules: :mod:`viz.app` (the page), :mod:`viz.session` (per-browser-session state, no Solara),
:mod:`viz.network` (the network picture), :mod:`viz.plots` (time-series panels).
"""
