#!/usr/bin/env bash
# The per-country posteriors of results/validation/posterior/ (ABC-SMC, experiments/posterior.py;
# docs/calibration.md, "Posterior") and the orderings of the regime comparison over their draws,
# with the settings the shipped results were made with. About an hour on 2 shared cores
# (results/validation/posterior/README.md gives the wall times; the orderings run twice, with
# and without the structural variants); two jobs at a time.
#
#   scripts/posterior_all.sh [OUT]        # default OUT: results/validation/posterior
#   POSTERIOR=1 scripts/regenerate_results.sh   # runs this after the experiments
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-results/validation/posterior}
POP=${POP:-20}                     # particles per generation (the shipped run's; small)
GENERATIONS=${GENERATIONS:-2}
DRAWS=${DRAWS:-40}                 # posterior predictive draws per country
ORDER_DRAWS=${ORDER_DRAWS:-10}     # posterior draws of the orderings (the shipped run's)
ORDER_SEEDS=${ORDER_SEEDS:-2}      # seeds per draw
ORDER_SCALE=${ORDER_SCALE:-1.0}

# posterior COUNTRY HISTORY: the posterior of one preset with its history, its loop strength
# inferred, the structural constants fixed at their point values (--constants none), then the
# posterior predictive checks and history tables (--from-samples)
posterior() {
    local c=$1 h=$2
    python scripts/posterior.py --presets "$c" --constants none --history "$h" \
        --parameter "$c.loop_finance" --scale 0.5 --population "$POP" \
        --generations "$GENERATIONS" --max-simulations 200 --seed 29 --draws 0 \
        --out "$OUT/$c"
    python scripts/posterior.py --from-samples "$OUT/$c" --draws "$DRAWS"
}

posterior korea korea_history &
( posterior japan japan_history; posterior silicon_valley us_history ) &
wait
# the orderings over the posterior draws and seeds, first with the structural entries at their
# point values (--structural none), then on the same draws and seeds with one structural
# variant per (draw, seed) spec (--structural all, appended to the same CSV): orderings.md sets
# P(a > b) with and without the variants side by side and splits the variance of a - b
# (experiments/posterior.py: ordering_specs, variance_split)
python scripts/posterior_orderings.py --posteriors "$OUT" --out "$OUT" --draws "$ORDER_DRAWS" \
    --seeds "$ORDER_SEEDS" --scale "$ORDER_SCALE" --workers 2 --structural none
python scripts/posterior_orderings.py --posteriors "$OUT" --out "$OUT" --draws "$ORDER_DRAWS" \
    --seeds "$ORDER_SEEDS" --scale "$ORDER_SCALE" --workers 2 --structural all --append
# coverage of silicon_valley's posterior on synthetic data (COVERAGE=0 skips it)
if (( ${COVERAGE:-4} > 0 )); then
    python scripts/posterior.py --from-samples "$OUT/silicon_valley" --draws 0 \
        --coverage "${COVERAGE:-4}"
fi
