#!/usr/bin/env bash
# Regenerate results/<experiment>/ (report.md, tables/, figures/, and runs.parquet when small)
# for every shipped experiment with one command.
#
#   scripts/regenerate_results.sh                  # full size, into results/
#   OUT=/tmp/res REPLICATES=3 STEPS=40 SCALE=0.2 scripts/regenerate_results.sh   # quick check
#   WORKERS=8 scripts/regenerate_results.sh        # local processes (default: all CPUs)
#   SCHEDULER=tcp://host:8786 scripts/regenerate_results.sh   # on a Dask cluster
#   EXPERIMENTS="regime_comparison sensitivity" scripts/regenerate_results.sh
#   ENSEMBLE= scripts/regenerate_results.sh        # without the regime comparison over the
#                                                  # calibrated ensemble (default: it runs
#                                                  # after regime_comparison, 30 replicates)
#   POSTERIOR=1 scripts/regenerate_results.sh      # also the per-country posteriors and the
#                                                  # orderings over their draws (optional,
#                                                  # ~1 h: scripts/posterior_all.sh)
#
# The raw outputs (timeseries.parquet, distributions.parquet, parts/) are written to
# $WORK/<experiment> (default: out/experiments, git-ignored); only small files are copied to
# $OUT/<experiment>: report.md, tables/, figures/, manifest.json, failures.jsonl and
# runs.parquet when it is below $MAX_RUNS_BYTES (default 5 MB).
# An interrupted regeneration continues where it stopped (the runner's --resume).
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${OUT:-results}
WORK=${WORK:-out/experiments}
EXPERIMENTS=${EXPERIMENTS:-"regime_comparison regime_comparison_stationary component_swap attribution tech_regime_sweep sensitivity structural_uncertainty open_innovation_channels maturation policy_withdrawal japan_history us_history korea_history reform_sequencing"}
MAX_RUNS_BYTES=${MAX_RUNS_BYTES:-5000000}

opts=()
[[ -n "${WORKERS:-}" ]] && opts+=(--workers "$WORKERS")
[[ -n "${SCHEDULER:-}" ]] && opts+=(--scheduler "$SCHEDULER")
[[ -n "${REPLICATES:-}" ]] && opts+=(--replicates "$REPLICATES")
[[ -n "${STEPS:-}" ]] && opts+=(--steps "$STEPS")
[[ -n "${SCALE:-}" ]] && opts+=(--scale "$SCALE")

# run_one NAME SPEC [extra abm experiment options...]: $WORK/NAME -> $OUT/NAME
run_one() {
    local name=$1 spec=$2; shift 2
    local raw="${WORK}/${name}" dest="${OUT}/${name}"
    echo "== ${name}: ${spec} -> ${raw}"
    if [[ -f "${raw}/manifest.json" ]]; then
        if [[ -f "${raw}/runs.parquet" && ! -d "${raw}/parts" ]] \
            && grep -q '"status": "complete"' "${raw}/manifest.json"; then
            # finished before: resume only retries failures (same spec and options required)
            abm experiment "$spec" --out "$raw" --resume "$@" "${opts[@]}" || {
                echo "   options changed since ${raw} was written: starting over"; rm -rf "$raw";
                abm experiment "$spec" --out "$raw" "$@" "${opts[@]}"; }
        else
            abm experiment "$spec" --out "$raw" --resume "$@" "${opts[@]}"
        fi
    else
        abm experiment "$spec" --out "$raw" "$@" "${opts[@]}"
    fi
    abm report "$raw"
    rm -rf "$dest"
    mkdir -p "$dest"
    cp -r "${raw}/report.md" "${raw}/tables" "${raw}/manifest.json" "$dest/"
    [[ -d "${raw}/figures" ]] && cp -r "${raw}/figures" "$dest/"
    [[ -s "${raw}/failures.jsonl" ]] && cp "${raw}/failures.jsonl" "$dest/"
    size=$(stat -c %s "${raw}/runs.parquet")
    if (( size <= MAX_RUNS_BYTES )); then
        cp "${raw}/runs.parquet" "$dest/"
    else
        echo "   runs.parquet is ${size} bytes: not copied (kept in ${raw})"
    fi
    echo "   wrote ${dest}"
}

for exp in $EXPERIMENTS; do
    run_one "$exp" "experiments/${exp}.toml"
done

# The regime comparison over the calibrated ensemble (parameter and seed uncertainty
# together; docs/calibration.md), set beside the point calibration's. ENSEMBLE= skips it.
ENSEMBLE=${ENSEMBLE-abm/data/ensemble.toml}
if [[ -n "$ENSEMBLE" && " ${EXPERIMENTS} " == *" regime_comparison "* ]]; then
    ens_opts=(--ensemble "$ENSEMBLE")
    [[ -z "${REPLICATES:-}" ]] && ens_opts+=(--replicates 30)
    run_one regime_comparison_ensemble experiments/regime_comparison.toml "${ens_opts[@]}"
    # (from the copies in $OUT, or the raw folders when a runs.parquet was too big to copy)
    pt="${OUT}/regime_comparison"; en="${OUT}/regime_comparison_ensemble"
    [[ -f "${pt}/runs.parquet" ]] || pt="${WORK}/regime_comparison"
    [[ -f "${en}/runs.parquet" ]] || en="${WORK}/regime_comparison_ensemble"
    python scripts/point_vs_ensemble.py --point "$pt" --ensemble "$en" \
        --out "${OUT}/regime_comparison_ensemble/point_vs_ensemble.md"
fi

# The per-country posteriors (ABC-SMC) and the orderings of the regime comparison over their
# draws (docs/calibration.md, "Posterior"): optional, about an hour on 2 shared cores.
if [[ "${POSTERIOR:-0}" == "1" ]]; then
    scripts/posterior_all.sh "${OUT}/validation/posterior"
fi
