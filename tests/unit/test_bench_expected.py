from __future__ import annotations

from bench.expected import expected_state, state_differences


def test_exact_state_has_no_differences() -> None:
    output = "\n".join(expected_state("lab07")) + "\n"
    assert state_differences("lab07", output) == []


def test_template_rendered_for_another_host_is_found() -> None:
    output = "\n".join(expected_state("lab01"))
    found = state_differences("lab02", output)
    assert "lab02: expected 'name = lab02', found 'name = lab01'" in found


def test_missing_lines_are_reported() -> None:
    output = "\n".join(expected_state("lab01")[:-1])  # no `initialized`: the command never ran
    assert state_differences("lab01", output) == ["lab01: expected 'initialized', found ''"]
