"""Benchmarks of the model, kept outside the model package (``abm/`` is the model only).

:mod:`abm.benchmarks.bench` measures throughput, scaling and memory against Mesa's Boltzmann
wealth model; ``abm bench`` runs it (see docs/performance.md).
"""
