"""Before/after, interleaved: bench.run from two checkouts of the code against the same database, in turns.

    source <(grep export /tmp/bench-svc.env)
    git worktree add /tmp/tessera-before <commit>          # the "before" code, beside this checkout
    python -m bench.compare --before /tmp/tessera-before --after . --rounds 5 --runs 10 --only portal_post,create

Each round runs this checkout's bench/run.py (`--no-report --json ...`) once against each checkout's code (the
same driver for both: PYTHONPATH is the checkout, behind a folder that holds only this checkout's bench package,
so an older checkout needs no newer bench), the order
alternating from round to round so neither side always runs first on a warmer cache or a quieter minute, with
--runs timed requests per scenario; then the timings of all rounds are pooled per side and compared (p50, p95,
queries, and the load average at each run). Both checkouts must work with the database as migrated.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.measure import load_average, percentile


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="checkout (git worktree) with the code before")
    parser.add_argument("--after", default=".", help="checkout with the code after (default: this one)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per scenario and round")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--only", default="", help="scenarios (bench.run --only)")
    parser.add_argument("--tickets-tenant", default="acme-bench")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--allow-fast-storage", action="store_true")
    return parser.parse_args(argv)


DRIVER = Path(__file__).resolve().parent / "run.py"


@contextlib.contextmanager
def driver_environment(checkout: Path) -> Iterator[dict[str, str]]:
    """The environment DRIVER runs in against `checkout`'s code: its own modules (bench.measure, ...) from this
    checkout whichever checkout it measures, from a folder that holds only this bench package, ahead of the
    checkout on the path (an older checkout has an older bench package, or none)."""
    with tempfile.TemporaryDirectory() as driver:
        (Path(driver) / "bench").symlink_to(DRIVER.parent, target_is_directory=True)
        yield {**os.environ, "PYTHONPATH": os.pathsep.join((driver, str(checkout)))}


def run_side(args, checkout: Path, out: Path) -> dict:
    command = [
        args.python, str(DRIVER), "--no-report", "--json", str(out), "--runs", str(args.runs),
        "--warmups", str(args.warmups), "--count-runs", "1", "--tickets-tenant", args.tickets_tenant,
    ]  # fmt: skip
    if args.only:
        command += ["--only", args.only]
    if args.allow_fast_storage:
        command.append("--allow-fast-storage")
    with driver_environment(checkout) as env:
        done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench.run failed in {checkout}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(out.read_text())


def pool(pooled: dict[str, dict], result: dict) -> None:
    """Add one bench.run result's timings, CPU and query counts to a side's pooled scenarios."""
    for name, scenario in result["scenarios"].items():
        entry = pooled.setdefault(name, {"label": scenario["label"], "times": [], "cpu": [], "queries": []})
        for key in ("times", "cpu", "queries"):
            entry[key] += scenario[key]


def print_table(first: dict[str, dict], second: dict[str, dict], names: tuple[str, str], arrow: str) -> None:
    """The scenarios both sides ran, as a Markdown table: p50 / p95, Python CPU p50 and queries of each."""
    a, b = names
    print(f"| scenario | {a} p50 / p95 ms | {b} p50 / p95 ms | Python CPU p50 {a} / {b} ms | queries {a}{arrow}{b} |")
    print("| --- | ---: | ---: | ---: | --- |")

    def cell(times):
        return f"{percentile(times, 50):.1f} / {percentile(times, 95):.1f}"

    def queries(values):
        return f"{min(values)}" if values and min(values) == max(values) else f"{min(values)}-{max(values)}"

    for name, left in first.items():
        right = second.get(name)
        if right is None:
            continue
        print(
            f"| {left['label']} | {cell(left['times'])} | {cell(right['times'])} | "
            f"{percentile(left['cpu'], 50):.1f} / {percentile(right['cpu'], 50):.1f} | "
            f"{queries(left['queries'])}{arrow}{queries(right['queries'])} |"
        )


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    sides = {"before": Path(args.before).resolve(), "after": Path(args.after).resolve()}
    for name, path in sides.items():
        if not (path / "bench" / "run.py").exists():
            sys.exit(f"--{name} {path} is not a Tessera checkout")
    pooled: dict[str, dict[str, dict]] = {"before": {}, "after": {}}
    log = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            order = ("before", "after") if round_number % 2 == 0 else ("after", "before")
            for side in order:
                load = load_average()
                result = run_side(args, sides[side], Path(tmp) / f"{side}-{round_number}.json")
                log.append((round_number + 1, side, load, result["settings"]))
                pool(pooled[side], result)
                print(f"round {round_number + 1} {side:6s} load {load}", flush=True)
    settings = log[-1][3]
    print()
    print(
        f"{args.rounds} rounds x {args.runs} timed runs per side, interleaved; PostgreSQL "
        + ", ".join(f"{k}={v}" for k, v in settings.items())
    )
    print()
    print_table(pooled["before"], pooled["after"], ("before", "after"), arrow=" → ")
    print()
    print("Load average (1, 5, 15 min) at the start of each run:")
    for round_number, side, load, _ in log:
        print(f"- round {round_number} {side}: {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
