"""Work limits, estimates, progress and number parsing shared by every command that runs the
model (issue 30)."""

from __future__ import annotations

import sys

import pytest

from abmcli.numbers import parse_real, parse_whole
from abm.experiments import limits


@pytest.mark.parametrize("raw, value", [("0", 0), ("42", 42), ("-3", -3), ("+7", 7)])
def test_plain_whole_numbers_are_read(raw, value):
    assert parse_whole(raw) == value


@pytest.mark.parametrize("raw", ["1_0", "\u0661\u0660", " 1", "1 ", "\uff11"])
def test_what_python_reads_as_a_number_is_refused(raw):
    int(raw)  # Python reads it (10, Arabic-Indic ten, a padded or full-width one)
    with pytest.raises(ValueError):
        parse_whole(raw)


@pytest.mark.parametrize("raw", ["1.0", "", "1e3", "0x10", "--1", "one"])
def test_other_whole_numbers_are_refused(raw):
    with pytest.raises(ValueError):
        parse_whole(raw)


@pytest.mark.parametrize("raw, value", [("0.25", 0.25), ("-3", -3.0), ("1e-3", 0.001),
                                        (".5", 0.5), ("5.", 5.0), ("2E+2", 200.0)])
def test_plain_decimals_are_read(raw, value):
    assert parse_real(raw) == value


@pytest.mark.parametrize("raw", ["1_0", "\u0661.\u0665", "inf", "nan", "1e999", " 1", "0x1p3",
                                 "1,5", ""])
def test_other_decimals_are_refused(raw):
    with pytest.raises(ValueError):
        parse_real(raw)


def test_quarters_are_weighted_by_scale_and_memory_counts_models_at_once(monkeypatch):
    monkeypatch.setenv(limits.MEMORY_ENV, str(64 * 10**9))
    limits.check_batch([(100, 1.0)] * 1000)  # 100,000 quarters: fine
    with pytest.raises(limits.LimitError, match="weighted by scale"):
        limits.check_batch([(1000, 1000.0)] * 20)  # 20 M weighted quarters
    limits.check_batch([(1000, 1000.0)] * 20, force=True)
    one = limits.model_bytes(100, 100)
    assert 1.5e9 < one < 2.5e9  # silicon_valley at scale 100: 1.85 GiB peak (performance.md)
    monkeypatch.setenv(limits.MEMORY_ENV, str(int(3 * one)))
    limits.check_batch([(100, 100.0)] * 4, workers=1)
    with pytest.raises(limits.LimitError, match="4 models"):
        limits.check_batch([(100, 100.0)] * 4, workers=4)


def test_estimate_reads_as_time_and_memory():
    line = limits.estimate_line(limits.cpu_seconds(100, 1000), 1, 1000, 100)
    assert line.startswith("estimated about ") and "GB per model at scale 1000" in line
    assert limits.duration(30) == "about 30 s" and limits.duration(7200) == "about 2.0 h"


def test_long_run_says_its_estimate_and_shows_progress_without_a_terminal(monkeypatch,
                                                                         capsys, tmp_path):
    import abmcli

    monkeypatch.setattr(limits, "LONG_SECONDS", 0.0)  # every run counts as long
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["abm", "run", "--preset", "japan", "--steps", "20",
                                      "--set", "scale=0.1"])
    with pytest.raises(SystemExit) as info:
        abmcli.main()
    err = capsys.readouterr().err
    assert info.value.code == 0, err
    assert "japan, 20 steps at scale 0.1: estimated about" in err
    assert "japan seed 1: building the model" in err
    steps = [line for line in err.splitlines() if ": step " in line]
    assert len(steps) == 10 and steps[-1].startswith("japan seed 1: step 20 of 20"), steps
