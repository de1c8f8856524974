"""bench.compare runs this checkout's driver (bench/run.py) against another checkout's code: the driver's own
modules come from here even when that checkout's bench package is older and lacks them (bench.run was split into
modules after checkouts that bench.compare still measures)."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.compare import DRIVER, driver_environment


def test_the_driver_starts_with_its_own_modules_against_an_older_checkout(tmp_path):
    # given a checkout whose bench package has none of the driver's modules
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "__init__.py").write_text("")
    # when this checkout's driver starts there as bench.compare starts it
    with driver_environment(tmp_path) as env:
        done = subprocess.run(
            [sys.executable, str(DRIVER), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
    # then it found its modules (it imports them all before it reads its arguments), and the checkout stays on the
    # path for the application's code
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--tickets-tenant" in done.stdout
    assert str(tmp_path) in env["PYTHONPATH"].split(os.pathsep)
