"""Stratos under the paper's rules as a radCAD model in numpy float64 (STOS and Oz).

The same model as ``stratos_exact.py``, block for block, written as a numpy user would: amounts
are floats in whole STOS and Oz, so nothing is floored and nothing goes to dust, and STOS is
conserved only up to rounding (``check`` reports how far). Per-node state is numpy arrays; the
epoch's downloads are drawn in one vectorised call each (sizes, and nodes by inverse transform
on the deposits' cumulative distribution), and traffic is added per node with ``np.bincount``.

As in the exact model, policies never change an array they were given (radCAD keeps them in its
history, and ``deepcopy=False`` hands policies the stored arrays); they return new ones.
"""

import numpy as np
from radcad.utils import update_from_signal

from stratos_common import (
    LOCK_EPOCHS,
    MINING_END_WEI,
    NOZ_PER_OZ,
    PREPAY_STOS,
    SETTLE_BPS,
    SIZE_HIGH_OZ,
    SIZE_LOW_OZ,
    TASKS_PER_EPOCH,
    WEI_PER_STOS,
    Genesis,
    mining_reward,
)


def _stos(wei: int) -> float:
    """Wei as a float number of STOS."""
    return wei / WEI_PER_STOS


def initial_state(g: Genesis) -> dict:
    """The state at genesis. ``lock_queue`` is a tuple of locks ``(release epoch, nodes,
    amounts, meta amount each, total)`` in release order."""
    n = len(g.resource_deposits)
    return {
        "user_stos": _stos(g.user_balance),
        "user_ozone": 0.0,
        "volume_pool": 0.0,  # P
        "ozone_limit": g.ozone_limit / NOZ_PER_OZ,  # L
        "pending": np.zeros(n),  # traffic not yet settled, Oz
        "resource_balance": np.zeros(n),
        "meta_balance": np.zeros(len(g.meta_deposits)),
        "validator_balance": np.zeros(len(g.validator_bonds)),
        "lock_queue": (),
        "locked": 0.0,
        "mining_pool": _stos(MINING_END_WEI),
        "total_mined": 0.0,
        "ozone_sold": 0.0,
        "ozone_burned": 0.0,
        "traffic_settled": 0.0,
        "refused": 0,
    }


def params(g: Genesis, seed: int) -> dict:
    """System parameters. No value is a list: radCAD would take a list for a parameter sweep."""
    deposits = np.array([_stos(d) for d in g.resource_deposits])
    cdf = np.cumsum(deposits)
    cdf /= cdf[-1]
    bonds = np.array([_stos(b) for b in g.validator_bonds])
    return {
        "rng": np.random.default_rng(seed + 1),  # the task stream; genesis used `seed`
        "task_cdf": cdf,  # the deposits' cumulative distribution
        "total_deposit": _stos(g.total_deposit),  # S, constant under the paper's rules
        "validator_shares": bonds / bonds.sum(),
        "prepay": float(PREPAY_STOS),
        "tasks": TASKS_PER_EPOCH,
    }


def p_release(params, substep, history, state):
    """Pay the locks due at the start of this epoch to the resource and meta nodes."""
    epoch = state["timestep"] + 1  # the first block still sees the previous timestep
    queue = state["lock_queue"]
    due = 0
    while due < len(queue) and queue[due][0] <= epoch:
        due += 1
    if not due:
        return {}
    resource = state["resource_balance"].copy()
    meta_each, released = 0.0, 0.0
    for _, nodes, amounts, meta, total in queue[:due]:
        resource[nodes] += amounts  # a lock names each node once
        meta_each += meta
        released += total
    return {
        "lock_queue": queue[due:],
        "resource_balance": resource,
        "meta_balance": state["meta_balance"] + meta_each,
        "locked": state["locked"] - released,
    }


def p_prepay(params, substep, history, state):
    """One PREPAY of 50 STOS (or what the user has left): X STOS buy L·X / (S + P + X) Oz."""
    x = min(params["prepay"], state["user_stos"])
    if x <= 0.0:
        return {}
    pool, limit = state["volume_pool"], state["ozone_limit"]
    bought = limit * x / (params["total_deposit"] + pool + x)
    return {
        "user_stos": state["user_stos"] - x,
        "volume_pool": pool + x,
        "ozone_limit": limit - bought,
        "user_ozone": state["user_ozone"] + bought,
        "ozone_sold": state["ozone_sold"] + bought,
    }


def p_downloads(params, substep, history, state):
    """The epoch's downloads: sizes uniform over [1, 10] Oz, nodes drawn in proportion to their
    deposits. When the user's Ozone pays for all of them (the usual case) they are charged at
    once; otherwise one by one, each refused that the Ozone left cannot pay."""
    rng = params["rng"]
    n = params["tasks"]
    sizes = rng.uniform(SIZE_LOW_OZ, SIZE_HIGH_OZ, n)
    nodes = np.searchsorted(params["task_cdf"], rng.random(n), side="right")
    ozone = state["user_ozone"]
    charged = sizes.sum()
    if charged <= ozone:
        refused = 0
    else:
        accepted = np.zeros(n, dtype=bool)
        for i, size in enumerate(sizes):
            if size <= ozone:
                ozone -= size
                accepted[i] = True
        sizes, nodes = sizes[accepted], nodes[accepted]
        charged = sizes.sum()
        refused = n - len(sizes)
    traffic = np.bincount(nodes, weights=sizes, minlength=len(state["pending"]))
    return {
        "user_ozone": state["user_ozone"] - charged,
        "pending": state["pending"] + traffic,
        "ozone_burned": state["ozone_burned"] + charged,
        "refused": state["refused"] + refused,
    }


def p_settle(params, substep, history, state):
    """Proof-of-Traffic settlement and the epoch's rewards, as in the exact model but in floats:
    the settled prefix (traffic descending, then node id) reaching 80 % of the pending total;
    R = (S + P)·Y / (L + Y) from the volume pool, L += Y; the tier's M from the mining pool;
    each split by the tier between resource nodes (pro rata to traffic, locked), meta nodes
    (equally, locked) and validators (pro rata to bond, paid at once).
    """
    pending = state["pending"]
    busy = np.flatnonzero(pending)
    if len(busy):
        traffic = pending[busy]
        order = np.argsort(-traffic, kind="stable")  # traffic descending; ties keep id order
        cumulative = np.cumsum(traffic[order])
        k = int(np.searchsorted(cumulative, cumulative[-1] * (SETTLE_BPS / 1e4))) + 1
        settled, traffic, y = busy[order[:k]], traffic[order[:k]], float(cumulative[k - 1])
    else:
        settled, traffic, y = busy, pending[busy], 0.0
    new_pending = pending.copy()
    new_pending[settled] = 0.0

    pool, limit = state["volume_pool"], state["ozone_limit"]
    traffic_reward = (params["total_deposit"] + pool) * y / (limit + y)
    mined_wei, tier_split = mining_reward(state["total_mined"] * WEI_PER_STOS)
    mined = mined_wei / WEI_PER_STOS
    resource_share, meta_share, validator_share = (b / 1e4 for b in tier_split)
    # Without floors, splitting R and M alike is splitting their sum.
    reward = traffic_reward + mined
    node_rewards = reward * resource_share * (traffic / y) if y else traffic
    meta_count = len(state["meta_balance"])
    meta_each = reward * meta_share / meta_count
    validators = reward * validator_share * params["validator_shares"]
    if y == 0.0:
        mined -= mined * resource_share  # the resource part has no recipient: not mined

    locked = float(node_rewards.sum()) + meta_each * meta_count
    lock = (state["timestep"] + LOCK_EPOCHS, settled, node_rewards, meta_each, locked)
    return {
        "pending": new_pending,
        "volume_pool": pool - traffic_reward,
        "ozone_limit": limit + y,
        "lock_queue": state["lock_queue"] + (lock,),
        "locked": state["locked"] + locked,
        "validator_balance": state["validator_balance"] + validators,
        "mining_pool": state["mining_pool"] - mined,
        "total_mined": state["total_mined"] + mined,
        "traffic_settled": state["traffic_settled"] + y,
    }


def _updates(*variables: str) -> dict:
    """State update functions that take each variable from its signal when the policy set it."""
    return {v: update_from_signal(v, optional_update=True) for v in variables}


STATE_UPDATE_BLOCKS = [
    {
        "label": "release",
        "policies": {"release": p_release},
        "variables": _updates("lock_queue", "resource_balance", "meta_balance", "locked"),
    },
    {
        "label": "prepay",
        "policies": {"prepay": p_prepay},
        "variables": _updates(
            "user_stos", "volume_pool", "ozone_limit", "user_ozone", "ozone_sold"
        ),
    },
    {
        "label": "downloads",
        "policies": {"downloads": p_downloads},
        "variables": _updates("user_ozone", "pending", "ozone_burned", "refused"),
    },
    {
        "label": "settle",
        "policies": {"settle": p_settle},
        "variables": _updates(
            "pending",
            "volume_pool",
            "ozone_limit",
            "lock_queue",
            "locked",
            "validator_balance",
            "mining_pool",
            "total_mined",
            "traffic_settled",
        ),
    },
]


def check(state: dict, g: Genesis) -> float:
    """How far STOS drifted from conservation (every balance, pool and lock against genesis),
    relative to the genesis total. Floats drift by rounding; the caller decides what is too far.
    """
    stos = (
        state["user_stos"]
        + state["volume_pool"]
        + float(state["resource_balance"].sum())
        + float(state["meta_balance"].sum())
        + float(state["validator_balance"].sum())
        + state["locked"]
        + state["mining_pool"]
    )
    initial = _stos(g.user_balance + MINING_END_WEI)
    return abs(stos - initial) / initial


def totals(state: dict) -> dict:
    """End-of-run totals in STOS and Oz."""
    return {
        "total_mined_stos": state["total_mined"],
        "volume_pool_stos": state["volume_pool"],
        "ozone_limit_oz": state["ozone_limit"],
        "traffic_settled_oz": state["traffic_settled"],
        "locked_stos": state["locked"],
        "refused": state["refused"],
    }
