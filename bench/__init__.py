"""The side-by-side benchmark: dockyard, ansible-playbook and pyinfra on the same lab hosts.

Run it with `python -m bench --help`. The pieces, from the bottom up:

    stats.py      Summary (median, min, max) of repeated samples, and ratios of medians
    recap.py      what a tool's output says it changed (PLAY RECAP, pyinfra's results table)
    measure.py    run one command: wall time, peak RSS of its process tree, CPU seconds
    machine.py    facts about the machine and the tools' versions, for the result file
    hosts.py      fresh lab hosts (tests/lab), the OpenSSH floor, the state spot-check
    tools.py      the three tools: inventory, command line, how to read their output
    report.py     the result document (JSON) and its markdown table
    run.py        the loop: sizes x repetitions x tools, interleaved
    cli.py        the command line

The workload (workload/) is one Ansible playbook, run unchanged by dockyard and by
ansible-playbook, and the equivalent pyinfra deploy.
"""
