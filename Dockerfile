# Container image of the model: `abm` (run, experiment, report...) and a Dask worker with the
# same code, so that a cluster's workers pass the runner's version check.
#
#   docker build -t startup-abm .
#   docker run --rm -v "$PWD/out:/app/out" startup-abm run --preset silicon_valley --out out/sv
#   docker run --rm -v "$PWD/results:/app/results" startup-abm experiment \
#       experiments/regime_comparison.toml --replicates 2 --steps 40
#   # a Dask worker for `abm experiment --scheduler tcp://HOST:8786`:
#   docker run --rm --network host --entrypoint dask startup-abm worker tcp://HOST:8786 --nthreads 1
#
# Versions are the tested ones (constraints.txt). See docs/experiments.md (Docker, Kubernetes).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MPLBACKEND=Agg
WORKDIR /app

COPY pyproject.toml README.md constraints.txt ./
COPY abm ./abm
COPY abmcli ./abmcli
COPY viz ./viz
COPY experiments ./experiments
COPY benchmarks ./benchmarks
RUN pip install -c constraints.txt . \
    && abm presets >/dev/null \
    && python -c "import distributed, abm.experiments.cluster"

# results and quick runs go to /app/results and /app/out (mount volumes there)
RUN useradd --create-home abm && mkdir -p /app/results /app/out && chown abm /app/results /app/out
USER abm
ENTRYPOINT ["abm"]
CMD ["--help"]
