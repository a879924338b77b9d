from __future__ import annotations

import pytest

from bench.stats import Summary, ratio, summarize


def test_summary_is_the_median_with_the_range() -> None:
    assert summarize([3.0, 1.0, 2.0]) == Summary(median=2.0, low=1.0, high=3.0, count=3)


def test_one_slow_repetition_does_not_move_the_median() -> None:
    assert summarize([1.0, 1.2, 30.0]).median == 1.2


def test_even_count_takes_the_middle_pair() -> None:
    assert summarize([4.0, 1.0, 2.0, 3.0]).median == 2.5


def test_no_samples_is_an_error() -> None:
    with pytest.raises(ValueError, match="no samples"):
        summarize([])


def test_ratio_of_medians_and_missing_sides() -> None:
    slow, fast = summarize([9.0, 10.0, 11.0]), summarize([1.0, 2.0, 3.0])
    assert ratio(slow, fast) == 5.0
    assert ratio(None, fast) is None
    assert ratio(slow, None) is None
    assert ratio(slow, summarize([0.0])) is None


def test_json_form_names_min_and_max() -> None:
    assert summarize([2.0, 1.0]).to_json() == {"median": 1.5, "min": 1.0, "max": 2.0, "count": 2}
