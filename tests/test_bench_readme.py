"""bench/README.md's steps work as written on a fresh checkout: its commands of sections 1-3, run by bash in a
clean environment at a tiny size (a few hundred tickets, one scenario, one run). Seeding once failed as written
(`relation "tessera_cache" does not exist`), and the bench measured sign-in redirects without noticing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "bench" / "README.md"


def readme_steps() -> list[str]:
    """The first ```sh block of sections 1, 2 and 3, in order."""
    text = README.read_text()
    steps = []
    for number in (1, 2, 3):
        section = re.search(rf"^## {number}\. .*?(?=^## )", text, flags=re.S | re.M)
        assert section, f"bench/README.md has no section {number}"
        block = re.search(r"```sh\n(.*?)```", section.group(0), flags=re.S)
        assert block, f"section {number} of bench/README.md has no sh block"
        steps.append(block.group(1))
    return steps


def tiny(script: str, env_file: Path) -> str:
    """The README's commands at a tiny size, in this checkout, with a private environment file."""
    script = re.sub(r"^cd \S+", f"cd {ROOT}", script, flags=re.M)
    script = script.replace("/tmp/bench-svc.env", str(env_file))
    script = script.replace(".venv/bin/python", sys.executable)
    script = script.replace("seed_bench --quick", "seed_bench --tickets 300 --tenants 2")
    return script.replace(
        "-m bench.run ", "-m bench.run --only ticket --runs 1 --warmups 0 --no-report --no-leakproof-compare "
    )


def test_readme_steps_are_the_ones_run_here():
    # given the README's three steps
    services, data, measure = readme_steps()
    # then they start a durable harness with the tuning variables, seed, and run the bench
    assert "HARNESS_DURABLE=1" in services and "tests.harness --shell" in services
    assert all(f"HARNESS_{name}=" in services for name in ("SHARED_BUFFERS", "WORK_MEM", "RANDOM_PAGE_COST", "JIT"))
    assert "seed_bench --quick" in data
    assert "-m bench.run " in measure


@pytest.mark.services
def test_bench_readme_steps_run_on_a_fresh_checkout_at_a_tiny_size(tmp_path):
    # given the README's steps as one bash script, in an environment with nothing of the test run's
    env_file = tmp_path / "bench-svc.env"
    script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n"
    script += "\n".join(tiny(step, env_file) for step in readme_steps())
    clean = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    # when bash runs it
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=600)
    # then every step succeeded: migrated, seeded, and the ticket page measured as the real page, durably
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "done: 300 tickets" in output
    assert re.search(r"ticket\s+p50\s+[\d.]+ ms .*status \[200\]", output), output[-4000:]
