#!/usr/bin/env python3
"""Writes a Stratos replay file of many nodes, to time `ergon replay` (docs/PERFORMANCE.md).

    scripts/gen-stratos-replay.py [--nodes 3000] [--lines 400] [--profile mainnet] [--seed 1] > F
    time ergon replay F > /dev/null              # the incremental check after every line
    time ergon replay F --full-check > /dev/null # every invariant after every line
    time ergon replay F --no-check > /dev/null   # none

The genesis holds `--nodes` resource nodes (deposits of 1,000 to 4,000 STOS, scaled down past
3,000 nodes to stay within the STOS supply), 4 meta nodes, 4
validators with delegators, and users with STOS. Then `--lines` actions, drawn from a seeded
stream: PREPAYs, downloads and uploads (some to named nodes), database queries, performance
measurements (some below the KPI), reinstatements, new nodes, unregisters, gas, delegations,
slashes (mainnet), withdrawals, and an `end_epoch` about every 25 lines. No `query` lines: each
would dump every node. The same arguments give the same file.
"""

import argparse
import json
import random
import sys


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=3000)
    ap.add_argument("--lines", type=int, default=400)
    ap.add_argument("--profile", choices=["paper", "mainnet"], default="mainnet")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    nodes = [f"n{i}" for i in range(a.nodes)]
    users = [f"u{i}" for i in range(50)]
    fresh = [f"x{i}" for i in range(max(1, a.lines // 20))]
    metas = [f"m{i}" for i in range(4)]
    vals = [f"v{i}" for i in range(4)]
    dels = [f"d{i}" for i in range(20)]
    # Deposits of 1,000 to 4,000 STOS, scaled down past 3,000 nodes to stay within the supply.
    scale = min(1.0, 3000 / max(1, a.nodes))
    deposits = {n: max(1, int(rnd.randint(1000, 4000) * scale)) for n in nodes}
    accounts = {n: str(d + 100) for n, d in deposits.items()}
    accounts.update({u: "100000" for u in users + fresh})
    accounts.update({m: "20000" for m in metas})
    accounts.update({v: "50000" for v in vals + dels})
    genesis = {
        "op": "genesis",
        "economy": "stratos",
        "profile": a.profile,
        "params": {"reward_lock_epochs": 10, "deposit_lock_epochs": 20, "exit_cooling_epochs": 5},
        "accounts": accounts,
        "resource_nodes": [{"name": n, "deposit": str(d)} for n, d in deposits.items()],
        "meta_nodes": [{"name": m, "deposit": "10000"} for m in metas],
        "validators": [
            {"operator": v, "self_bond": "10000", "commission": "0.05",
             "delegations": {d: "1000" for d in dels[i::4]}}
            for i, v in enumerate(vals)
        ],
    }
    if a.profile == "paper":
        genesis["ozone_limit"] = str(1000 * sum(deposits.values()))
    out = [json.dumps(genesis, separators=(",", ":"))]
    live = list(nodes)
    for k in range(a.lines):
        out.append(json.dumps(action(rnd, k, live, users, fresh, vals, dels, a.profile),
                              separators=(",", ":")))
    sys.stdout.write("\n".join(out) + "\n")


def action(rnd, k, live, users, fresh, vals, dels, profile):
    """The k-th action: mostly requests, a spread of everything else."""
    if k % 25 == 24:
        return {"op": "end_epoch"}
    u = rnd.choice(users)
    r = rnd.random()
    if r < 0.15:
        return {"op": "prepay", "payer": u, "amount": str(rnd.randint(1, 50))}
    if r < 0.40:
        act = {"op": "download", "user": u, "size": str(rnd.randint(1, 20))}
        if rnd.random() < 0.3:
            act["node"] = rnd.choice(live)
        return act
    if r < 0.50:
        return {"op": "upload", "user": u, "size": str(rnd.randint(1, 10)), "replicas": 2}
    if r < 0.55:
        return {"op": "db_query", "user": u, "size": "1", "touches": rnd.randint(1, 5000)}
    if r < 0.65:
        score = rnd.choice(["0.3", "0.8", "1"])
        return {"op": "performance", "node": rnd.choice(live), "score": score}
    if r < 0.70:
        return {"op": "reinstate", "node": rnd.choice(live)}
    if r < 0.74 and fresh:
        n = fresh.pop()
        live.append(n)
        return {"op": "activate_node", "node": n, "deposit": "2000", "capacity": "1000000"}
    if r < 0.77 and len(live) > 10:
        return {"op": "unregister", "node": live.pop(rnd.randrange(len(live)))}
    if r < 0.82:
        return {"op": "pay_gas", "from": u, "amount": "0.01"}
    if r < 0.86:
        return {"op": "delegate", "delegator": rnd.choice(dels), "validator": rnd.choice(vals),
                "amount": "10"}
    if r < 0.89:
        return {"op": "withdraw_rewards", "delegator": rnd.choice(dels),
                "validator": rnd.choice(vals)}
    if r < 0.92 and profile == "mainnet":
        return {"op": "slash", "node": rnd.choice(live), "traffic": str(rnd.randint(1, 10))}
    if r < 0.95:
        return {"op": "transfer", "from": u, "to": rnd.choice(users), "amount": "1"}
    return {"op": "withdraw_matured", "account": rnd.choice(live)}


if __name__ == "__main__":
    main()
