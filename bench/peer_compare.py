"""Tessera beside django-helpdesk 2.6.1 (the peer of issue 21), interleaved: the portal POST and the agent
create against the visitor's public submit and the agent's create, on the same PostgreSQL server.

    sh bench/peer/install.sh                                              # the peer's own virtualenv, once
    export PEER_DATABASE_URL=postgres://peer:...@127.0.0.1:5432/peer_helpdesk
    PYTHONPATH=. bench/.peer-venv/bin/python -m bench.peer.seed --tickets 1000000
    python -m bench.peer_compare --rounds 4 --runs 15                      # with Tessera's DATABASE_URL etc. set

Each round runs bench.run (`--only portal_post,create`) for Tessera and bench.peer.submit for the peer, the
order alternating from round to round; the timings of all rounds are pooled per side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.compare import pool, print_table, run_side
from bench.measure import load_average

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = "portal_post,create"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per scenario and round")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--only", default=SCENARIOS)
    parser.add_argument("--tickets-tenant", default="acme-bench")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--peer-python", default=str(REPO / "bench" / ".peer-venv" / "bin" / "python"))
    parser.add_argument("--allow-fast-storage", action="store_true")
    return parser.parse_args(argv)


def run_peer(args, out: Path) -> dict:
    if "PEER_DATABASE_URL" not in os.environ:
        sys.exit("Set PEER_DATABASE_URL to the peer's database (see bench/README.md).")
    command = [
        args.peer_python, "-m", "bench.peer.submit", "--json", str(out), "--runs", str(args.runs),
        "--warmups", str(args.warmups), "--only", args.only,
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"the peer's run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(out.read_text())


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    args.before = args.after = None  # run_side reads only the options bench.compare and this share
    pooled: dict[str, dict[str, dict]] = {"tessera": {}, "peer": {}}
    log = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.rounds):
            for side in ("tessera", "peer") if number % 2 == 0 else ("peer", "tessera"):
                load = load_average()
                out = Path(tmp) / f"{side}-{number}.json"
                result = run_side(args, REPO, out) if side == "tessera" else run_peer(args, out)
                log.append((number + 1, side, load, result["settings"], result.get("tickets")))
                pool(pooled[side], result)
                print(f"round {number + 1} {side:7s} load {load}", flush=True)
    print()
    print(f"{args.rounds} rounds x {args.runs} timed runs per side, interleaved; PostgreSQL "
          + ", ".join(f"{k}={v}" for k, v in log[-1][3].items()))  # fmt: skip
    sizes = {side: tickets for _, side, _, _, tickets in log}
    print(f"tickets: Tessera {sizes.get('tessera')}, peer {sizes.get('peer')}")
    print()
    print_table(pooled["tessera"], pooled["peer"], ("Tessera", "peer"), arrow=" / ")
    print()
    print("Load average (1, 5, 15 min) at the start of each run:")
    for number, side, load, _, _ in log:
        print(f"- round {number} {side}: {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
