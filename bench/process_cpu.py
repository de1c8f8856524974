"""CPU time by kind of process during a benchmark phase, read from /proc (Linux): the measured worker, the load
that feeds it, PostgreSQL and its autovacuum. On a shared 2-core machine a latency means little without who held
the cores meanwhile (an ANALYZE of the ticket table once took 25 s of one during a 45 s run).

A process alive when sampling starts counts from its CPU time then; one started later counts from zero; one that
exits keeps what it had at its last sample (sampled every `interval` seconds, so its last moments are missed).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class CpuSplit:
    """Per-category CPU seconds from successive snapshots {pid: (category, cpu seconds)}."""

    def __init__(self) -> None:
        self._first: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._started = False

    def add(self, snapshot: dict[int, tuple[str, float]]) -> None:
        for pid, (category, seconds) in snapshot.items():
            if pid not in self._first:
                self._first[pid] = seconds if not self._started else 0.0
            self._last[pid] = (category, seconds)
        self._started = True

    def totals(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for pid, (category, seconds) in self._last.items():
            totals[category] = totals.get(category, 0.0) + max(0.0, seconds - self._first[pid])
        return totals


def postgres_category(command: str) -> str | None:
    """'autovacuum' for its workers, 'postgresql' for every other server process, None for the rest."""
    if not command.startswith("postgres"):
        return None
    return "autovacuum" if "autovacuum" in command else "postgresql"


def snapshot(classify: Callable[[int, int, str], str | None]) -> dict[int, tuple[str, float]]:
    """{pid: (category, user + system seconds)} of the processes `classify(pid, parent pid, command)` names."""
    taken = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        pid, parent = int(entry.name), int(fields[1])
        category = classify(pid, parent, command)
        if category is not None:
            taken[pid] = (category, (int(fields[11]) + int(fields[12])) / TICKS)
    return taken


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(value) for value in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    total = sum(values[:8])
    return (total - idle) / TICKS, total / TICKS


class Sampling:
    """Samples in a thread from `start()` to `stop()`; `report()` says who took the CPU meanwhile."""

    def __init__(self, classify: Callable[[int, int, str], str | None], interval: float = 0.2) -> None:
        self.classify, self.interval = classify, interval
        self.split = CpuSplit()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._machine: tuple[float, float] = (0.0, 0.0)

    @staticmethod
    def available() -> bool:
        return (PROC / "stat").exists()

    def start(self) -> None:
        self._machine = machine_busy()
        self.split.add(snapshot(self.classify))
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.split.add(snapshot(self.classify))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.split.add(snapshot(self.classify))
        busy, total = machine_busy()
        self._machine = (busy - self._machine[0], total - self._machine[1])

    def report(self, *, per: int = 0, per_name: str = "ticket") -> str:
        totals = self.split.totals()
        parts = []
        for category, seconds in sorted(totals.items(), key=lambda item: -item[1]):
            each = f" ({seconds / per * 1000:.1f} ms a {per_name})" if per else ""
            parts.append(f"{category} {seconds:.1f} s{each}")
        busy, total = self._machine
        cores = os.cpu_count() or 1
        share = f"; the machine {busy / total * cores:.2f} of {cores} cores busy" if total else ""
        return "CPU: " + ", ".join(parts) + share
