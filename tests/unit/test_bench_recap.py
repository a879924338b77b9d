from __future__ import annotations

from bench.recap import Outcome, parse_play_recap, parse_pyinfra, problems

DOCKYARD_RECAP = """
TASK [one-time initialisation] *************************************************
changed: [lab02]

PLAY RECAP *********************************************************************
lab01 : ok=11  changed=10  unreachable=0  failed=0  skipped=0  rescued=0  ignored=0
lab02 : ok=11  changed=9  unreachable=0  failed=1  skipped=0  rescued=0  ignored=0
"""

ANSIBLE_RECAP = """
PLAY RECAP *********************************************************************
lab01                      : ok=11   changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
lab02                      : ok=1    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0
"""

PYINFRA_OUTPUT = """
--> Connecting to hosts...
    No host key for 172.17.0.4 found in known_hosts
    [lab01] Connected
    [lab02] Connected

--> Starting operation: app directory
    [lab01] Success
    [lab02] No changes

--> Starting operation: motd
    [lab02] Error: something went wrong
    [lab01] Success

--> Results:
    Operation                                  Hosts   Success   Error   No Change
    app directory                              2       1         -       1
"""


def test_dockyard_recap_gives_changes_and_failures_per_host() -> None:
    outcome = parse_play_recap(DOCKYARD_RECAP)
    assert outcome.changed == {"lab01": 10, "lab02": 9}
    assert outcome.failed == {"lab02"}
    assert outcome.total_changed == 19


def test_ansible_recap_with_padding_and_an_unreachable_host() -> None:
    outcome = parse_play_recap(ANSIBLE_RECAP)
    assert outcome.changed == {"lab01": 0, "lab02": 0}
    assert outcome.failed == {"lab02"}


def test_pyinfra_counts_each_success_line_as_a_change() -> None:
    outcome = parse_pyinfra(PYINFRA_OUTPUT)
    assert outcome.changed == {"lab01": 2, "lab02": 0}
    assert outcome.failed == {"lab02"}


def test_pyinfra_host_without_changes_is_still_reported() -> None:
    outcome = parse_pyinfra("    [lab01] Connected\n    [lab01] No changes\n")
    assert outcome.changed == {"lab01": 0}
    assert problems(outcome, ["lab01"], 0) == []


def test_no_problems_when_every_host_reports_the_expected_changes() -> None:
    assert problems(Outcome(changed={"a": 10, "b": 10}), ["a", "b"], 10) == []


def test_problems_name_missing_failed_and_wrong_hosts() -> None:
    outcome = Outcome(changed={"a": 10, "b": 3}, failed=frozenset({"b"}))
    found = problems(outcome, ["a", "b", "c"], 10)
    assert found == [
        "no result for 1 host(s): c",
        "failed or unreachable: b",
        "expected changed=10 on every host, got b=3",
    ]


def test_empty_output_is_a_problem_not_a_pass() -> None:
    assert problems(parse_play_recap("Traceback (most recent call last):\n"), ["a"], 0) == [
        "no result for 1 host(s): a"
    ]
