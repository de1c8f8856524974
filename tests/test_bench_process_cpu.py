"""bench.process_cpu: CPU time by kind of process during a benchmark phase, from /proc."""

from __future__ import annotations

import os

import pytest

from bench.process_cpu import CpuSplit, Sampling, postgres_category, snapshot


def test_each_process_counts_from_when_sampling_began_or_from_its_birth():
    # given a worker and a server process alive when sampling starts
    split = CpuSplit()
    split.add({1: ("worker", 10.0), 2: ("postgresql", 5.0)})
    # when a producer starts, the server process exits after its second sample, and the worker goes on
    split.add({1: ("worker", 12.5), 2: ("postgresql", 6.0), 3: ("producers", 1.0)})
    split.add({1: ("worker", 13.0), 3: ("producers", 2.0)})
    # then each counts only what it spent while sampled: the newcomer all of its time, the one gone up to its last
    assert split.totals() == {"worker": 3.0, "postgresql": 1.0, "producers": 2.0}


@pytest.mark.parametrize(
    ("command", "category"),
    [
        ("postgres: autovacuum worker tessera", "autovacuum"),
        ("postgres: tessera_app tessera 127.0.0.1(51234) idle", "postgresql"),
        ("postgres: walwriter", "postgresql"),
        ("/usr/bin/python -m celery -A config worker", None),
    ],
)
def test_postgresql_processes_are_told_from_autovacuum_and_from_the_rest(command, category):
    assert postgres_category(command) == category


@pytest.mark.skipif(not Sampling.available(), reason="reads /proc (Linux)")
def test_a_snapshot_finds_the_processes_the_classifier_names_with_their_parent():
    # given a classifier that names this test's own process only
    me = os.getpid()
    seen = {}

    def classify(pid, parent, command):
        if pid == me:
            seen["parent"], seen["command"] = parent, command
            return "me"
        return None

    # when /proc is read
    taken = snapshot(classify)
    # then only this process is kept, with the parent and command line /proc gives, and a CPU time
    assert list(taken) == [me]
    category, seconds = taken[me]
    assert category == "me" and seconds >= 0
    assert seen["parent"] == os.getppid()
    assert "python" in seen["command"]
