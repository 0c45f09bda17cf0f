#!/usr/bin/env bash
#SBATCH --job-name=abm-experiment
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=32
#SBATCH --cpus-per-task=1
#SBATCH --mem-per-cpu=2G
#SBATCH --time=04:00:00
#SBATCH --output=abm-experiment-%j.log
#
# Run an experiment on a Dask cluster inside ONE batch allocation: a scheduler and the
# `abm experiment` client on the first node, one single-threaded Dask worker per SLURM task.
# Needs no terminal and no input(); finished runs are kept if the job ends early, and the same
# command with --resume continues them.
#
#   sbatch scripts/slurm_job.sh experiments/sensitivity.toml results/sensitivity
#   sbatch scripts/slurm_job.sh SPEC OUT --resume          # after an interruption
#
# Any arguments after SPEC and OUT go to `abm experiment`. Environment:
#   PYTHON              the Python with this package installed (default: python)
#   ABM_SCHEDULER_FILE  scheduler file on a file system every node sees (default: OUT.scheduler.json)
#   ABM_WORKERS         workers to start when not inside SLURM (default: 2)
#   ABM_WAIT_WORKERS    seconds to wait for a first worker (default: 600)
# Outside SLURM (no SLURM_JOB_ID) the same script starts the workers locally: that is how the
# test suite runs it (tests/test_cluster.py::test_slurm_batch_script_runs_without_a_terminal).
set -euo pipefail
SPEC=${1:?usage: slurm_job.sh SPEC OUT [abm experiment options]}
OUT=${2:?usage: slurm_job.sh SPEC OUT [abm experiment options]}
shift 2
PY=${PYTHON:-python}
SCHED_FILE=${ABM_SCHEDULER_FILE:-${OUT%/}.scheduler.json}
mkdir -p "$(dirname "$SCHED_FILE")"
rm -f "$SCHED_FILE"

pids=()
cleanup() {  # workers first, then the scheduler; wait for each to exit
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    rm -f "$SCHED_FILE"
}
trap cleanup EXIT

"$PY" -m distributed.cli.dask_scheduler --scheduler-file "$SCHED_FILE" --host "$(hostname)" \
    --dashboard-address :0 </dev/null >"${OUT%/}.scheduler.log" 2>&1 &
pids+=($!)
if [[ -n "${SLURM_JOB_ID:-}" ]] && command -v srun >/dev/null; then
    srun --ntasks="${SLURM_NTASKS}" --cpus-per-task=1 "$PY" -m distributed.cli.dask_worker \
        --scheduler-file "$SCHED_FILE" --nthreads 1 --no-nanny --death-timeout 120 \
        </dev/null >"${OUT%/}.workers.log" 2>&1 &
else
    "$PY" -m distributed.cli.dask_worker --scheduler-file "$SCHED_FILE" --nthreads 1 \
        --nworkers "${ABM_WORKERS:-2}" --death-timeout 120 \
        </dev/null >"${OUT%/}.workers.log" 2>&1 &
fi
pids+=($!)

"$PY" -m abmcli experiment "$SPEC" --out "$OUT" --scheduler-file "$SCHED_FILE" \
    --wait-workers "${ABM_WAIT_WORKERS:-600}" "$@" </dev/null
