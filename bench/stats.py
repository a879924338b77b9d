"""Summaries of repeated measurements: the median with the spread (min and max).

    >>> summarize([3.0, 1.0, 2.0])
    Summary(median=2.0, low=1.0, high=3.0, count=3)

The median, not the mean: on a machine shared with other work one slow repetition must
not move the figure. The spread is shown next to it so a reader sees how noisy it was.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """The median of `count` samples and their range [low, high]."""

    median: float
    low: float
    high: float
    count: int

    def to_json(self) -> dict[str, float | int]:
        return {"median": self.median, "min": self.low, "max": self.high, "count": self.count}


def summarize(samples: Sequence[float]) -> Summary:
    """Summarize at least one sample; raises ValueError on none."""
    if not samples:
        raise ValueError("no samples to summarize")
    return Summary(
        median=statistics.median(samples), low=min(samples), high=max(samples), count=len(samples)
    )


def ratio(numerator: Summary | None, denominator: Summary | None) -> float | None:
    """numerator.median / denominator.median, or None when either is missing or zero."""
    if numerator is None or denominator is None or denominator.median <= 0:
        return None
    return numerator.median / denominator.median
