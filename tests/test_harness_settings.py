"""The test harness's PostgreSQL settings: the suite's defaults, a benchmark's overrides from the environment."""

import pytest

from tests import harness


def test_tuning_settings_default_to_the_suites():
    # given no HARNESS_* variables
    # when the server's arguments are made
    args = harness.tuning_settings({})
    # then shared_buffers and work_mem are the suite's, the rest PostgreSQL's own
    assert args == ["-c", "shared_buffers=256MB", "-c", "work_mem=16MB"]


def test_tuning_settings_take_a_benchmarks_values_from_the_environment():
    # given the values bench/README.md sets
    environ = {
        "HARNESS_SHARED_BUFFERS": "1GB",
        "HARNESS_WORK_MEM": "16MB",
        "HARNESS_RANDOM_PAGE_COST": "1.1",
        "HARNESS_JIT": "off",
    }
    # when the server's arguments are made
    args = harness.tuning_settings(environ)
    # then each is passed as a -c setting
    assert args == [
        "-c", "shared_buffers=1GB", "-c", "work_mem=16MB", "-c", "random_page_cost=1.1", "-c", "jit=off",
    ]  # fmt: skip


def test_tuning_settings_refuse_a_value_that_is_not_one():
    # given a value that would smuggle another setting or a shell word
    environ = {"HARNESS_WORK_MEM": "16MB -c fsync=off"}
    # when / then the harness stops with a clear message
    with pytest.raises(SystemExit, match="HARNESS_WORK_MEM"):
        harness.tuning_settings(environ)


def test_durability_follows_harness_durable(monkeypatch):
    # given a benchmark asking for production durability
    monkeypatch.setenv("HARNESS_DURABLE", "1")
    # then fsync, synchronous commit and full-page writes are on
    assert harness.durability_settings() == [
        "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on",
    ]  # fmt: skip
