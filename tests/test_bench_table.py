"""make bench with several rounds: the median round is shown, and no round's failures hide."""
from __future__ import annotations

import runpy
from pathlib import Path

bench = runpy.run_path(str(Path(__file__).resolve().parent.parent / "bench" / "run.py"))
Measure, median_round = bench["Measure"], bench["median_round"]


def measure(requests_per_second: float, server_errors: int = 0, locked: int = 0) -> object:
    return Measure("event page, fresh", requests_per_second, 50.0, 90.0, 1000, 0, 0,
                   server_errors=server_errors, locked=locked)


def test_several_rounds_show_the_median_ratio_with_every_rounds_failures():
    rounds = [(measure(120.0), 1000.0), (measure(90.0, server_errors=2), 1000.0),
              (measure(130.0, locked=1), 1100.0)]

    shown, baseline, spread = median_round(rounds)

    assert (shown.requests_per_second, baseline) == (130.0, 1100.0)  # 11.8 % between 9 and 12 %
    assert (shown.server_errors, shown.locked) == (2, 1)
    assert spread == "9.0%–12.0%"


def test_a_single_round_is_shown_as_it_is():
    shown, baseline, spread = median_round([(measure(120.0), 1000.0)])

    assert (shown.requests_per_second, baseline, spread) == (120.0, 1000.0, "")
