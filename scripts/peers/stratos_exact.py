"""Stratos under the paper's rules as a radCAD model in exact Python integers (wei and noz).

One radCAD timestep is one 10-minute epoch, in four partial state update blocks:

1. release: node rewards whose 14-day lock ends now go to their owners' balances;
2. prepay: the user buys Ozone for 50 STOS on the constant product;
3. downloads: 500 downloads, each charged to the user's Ozone and served by one resource node
   drawn with probability proportional to its deposit;
4. settle: Proof-of-Traffic settlement, the traffic and mining rewards, their split.

State is kept functionally, as radCAD expects: radCAD keeps every timestep's state in its
history, and with ``deepcopy=False`` (see ``stratos_radcad.py``) a policy receives the very
lists and tuples stored there, so a policy never changes one in place; it builds a new one and
returns it as a signal. Each state update function takes its variable from the signal of the
same name when the block's policy set one (``update_from_signal``).

Every rounding is an explicit floor, and every remainder of a reward split goes to ``dust``, so
STOS is conserved exactly (``check``).
"""

import bisect
import random

from radcad.utils import update_from_signal

from stratos_common import (
    BPS,
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


def initial_state(g: Genesis) -> dict:
    """The state at genesis. Per-node amounts are lists indexed by node; ``lock_queue`` is a
    tuple of locks ``(release epoch, nodes, amounts, meta amount each, total)`` in release order.
    """
    return {
        "user_stos": g.user_balance,
        "user_ozone": 0,
        "volume_pool": 0,  # P
        "ozone_limit": g.ozone_limit,  # L
        "pending": [0] * len(g.resource_deposits),  # traffic not yet settled, noz
        "resource_balance": [0] * len(g.resource_deposits),
        "meta_balance": [0] * len(g.meta_deposits),
        "validator_balance": [0] * len(g.validator_bonds),
        "lock_queue": (),
        "locked": 0,  # the sum of the lock queue
        "mining_pool": MINING_END_WEI,
        "total_mined": 0,
        "dust": 0,
        "ozone_sold": 0,
        "ozone_burned": 0,
        "traffic_settled": 0,
        "refused": 0,
    }


def params(g: Genesis, seed: int) -> dict:
    """System parameters. No value is a list: radCAD would take a list for a parameter sweep."""
    cumulative, total = [], 0
    for deposit in g.resource_deposits:
        total += deposit
        cumulative.append(total)
    return {
        "rng": random.Random(seed + 1),  # the task stream; genesis used `seed`
        "task_weights": tuple(cumulative),  # cumulative deposits, for exact weighted draws
        "total_deposit": g.total_deposit,  # S, constant under the paper's rules
        "validator_bonds": g.validator_bonds,
        "prepay": PREPAY_STOS * WEI_PER_STOS,
        "tasks": TASKS_PER_EPOCH,
        "size_low": SIZE_LOW_OZ * NOZ_PER_OZ,
        "size_high": SIZE_HIGH_OZ * NOZ_PER_OZ,
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
    resource = list(state["resource_balance"])
    meta_each, released = 0, 0
    for _, nodes, amounts, meta, total in queue[:due]:
        for node, amount in zip(nodes, amounts):
            resource[node] += amount
        meta_each += meta
        released += total
    return {
        "lock_queue": queue[due:],
        "resource_balance": resource,
        "meta_balance": [balance + meta_each for balance in state["meta_balance"]],
        "locked": state["locked"] - released,
    }


def p_prepay(params, substep, history, state):
    """One PREPAY of 50 STOS (or what the user has left): X wei buy floor(L·X / (S + P + X)) noz."""
    x = min(params["prepay"], state["user_stos"])
    pool, limit = state["volume_pool"], state["ozone_limit"]
    bought = limit * x // (params["total_deposit"] + pool + x)
    if bought == 0:
        return {}
    return {
        "user_stos": state["user_stos"] - x,
        "volume_pool": pool + x,
        "ozone_limit": limit - bought,
        "user_ozone": state["user_ozone"] + bought,
        "ozone_sold": state["ozone_sold"] + bought,
    }


def p_downloads(params, substep, history, state):
    """The epoch's downloads: sizes uniform in whole noz over [1, 10] Oz, and for each a node
    drawn exactly in proportion to its deposit (a uniform integer below the total deposit,
    located in the cumulative deposits by bisection, as Ergon's sampler does). A download the
    user's Ozone cannot pay is refused and serves no traffic.
    """
    rng = params["rng"]
    weights = params["task_weights"]
    total_weight = weights[-1]
    n = params["tasks"]
    sizes = rng.choices(range(params["size_low"], params["size_high"] + 1), k=n)
    nodes = [bisect.bisect_right(weights, rng.randrange(total_weight)) for _ in range(n)]
    ozone = state["user_ozone"]
    pending = list(state["pending"])
    charged, refused = 0, 0
    for node, size in zip(nodes, sizes):
        if size > ozone:
            refused += 1
            continue
        ozone -= size
        charged += size
        pending[node] += size
    return {
        "user_ozone": ozone,
        "pending": pending,
        "ozone_burned": state["ozone_burned"] + charged,
        "refused": state["refused"] + refused,
    }


def split(amount: int, bps: tuple[int, int, int]) -> tuple[list[int], int]:
    """Split `amount` by basis points (floors); the parts and what the floors leave."""
    parts = [amount * b // BPS for b in bps]
    return parts, amount - sum(parts)


def p_settle(params, substep, history, state):
    """Proof-of-Traffic settlement and the epoch's rewards.

    The nodes with pending traffic, by traffic descending then node id, settle in the shortest
    prefix that reaches 80 % of the pending total; the rest carries over. For the Y noz settled
    the volume pool pays R = floor((S + P)·Y / (L + Y)) and L grows by Y; the mining pool pays
    the tier's M. Each of R and M is split by the tier: resource nodes pro rata to settled
    traffic, meta nodes equally, validators pro rata to bond, floors, every remainder to dust.
    Node rewards lock for 14 days; validators are paid at once. A part with no recipient (no
    settled traffic) is not paid and stays in its pool.
    """
    pending = state["pending"]
    # sorted() is stable, reversed too: nodes of equal traffic stay in id order.
    busy = sorted((n for n, t in enumerate(pending) if t), key=pending.__getitem__, reverse=True)
    total = sum(pending)
    settled, y = [], 0
    for node in busy:
        settled.append(node)
        y += pending[node]
        if y * BPS >= total * SETTLE_BPS:
            break
    traffic = [pending[n] for n in settled]
    new_pending = list(pending)
    for node in settled:
        new_pending[node] = 0

    pool, limit = state["volume_pool"], state["ozone_limit"]
    traffic_reward = (params["total_deposit"] + pool) * y // (limit + y) if y else 0
    mined, tier_split = mining_reward(state["total_mined"])

    bonds = params["validator_bonds"]
    total_bond = sum(bonds)
    meta_count = len(state["meta_balance"])
    node_rewards = [0] * len(settled)
    meta_each = 0
    validators = list(state["validator_balance"])
    dust = state["dust"]
    for source, amount in enumerate((traffic_reward, mined)):
        (resource_part, meta_part, validator_part), rest = split(amount, tier_split)
        dust += rest
        if y:
            paid = 0
            for j, t in enumerate(traffic):
                share = resource_part * t // y
                node_rewards[j] += share
                paid += share
            dust += resource_part - paid
        elif source == 1:
            mined -= resource_part  # no traffic: R is 0, and this part of M stays unmined
        share = meta_part // meta_count
        meta_each += share
        dust += meta_part - share * meta_count
        paid = 0
        for v, bond in enumerate(bonds):
            share = validator_part * bond // total_bond
            validators[v] += share
            paid += share
        dust += validator_part - paid

    locked = sum(node_rewards) + meta_each * meta_count
    lock = (state["timestep"] + LOCK_EPOCHS, tuple(settled), tuple(node_rewards), meta_each, locked)
    return {
        "pending": new_pending,
        "volume_pool": pool - traffic_reward,
        "ozone_limit": limit + y,
        "lock_queue": state["lock_queue"] + (lock,),
        "locked": state["locked"] + locked,
        "validator_balance": validators,
        "mining_pool": state["mining_pool"] - mined,
        "total_mined": state["total_mined"] + mined,
        "dust": dust,
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
            "dust",
            "traffic_settled",
        ),
    },
]


def check(state: dict, g: Genesis) -> None:
    """Assert the conservation laws at the end of a run: STOS (every balance, pool, lock and
    dust adds up to what genesis held) and Ozone (sold = held + burned; burned = settled +
    pending)."""
    locks = sum(lock[4] for lock in state["lock_queue"])
    assert locks == state["locked"], f"lock queue holds {locks}, locked says {state['locked']}"
    stos = (
        state["user_stos"]
        + state["volume_pool"]
        + sum(state["resource_balance"])
        + sum(state["meta_balance"])
        + sum(state["validator_balance"])
        + state["locked"]
        + state["dust"]
        + state["mining_pool"]
    )
    initial = g.user_balance + MINING_END_WEI
    assert stos == initial, f"STOS not conserved: {stos} wei now, {initial} wei at genesis"
    assert state["ozone_sold"] == state["user_ozone"] + state["ozone_burned"], "Ozone sold"
    assert state["ozone_burned"] == state["traffic_settled"] + sum(state["pending"]), "traffic"


def totals(state: dict) -> dict:
    """End-of-run totals in STOS and Oz (as decimal strings: exact)."""
    return {
        "total_mined_stos": _decimal(state["total_mined"], WEI_PER_STOS),
        "volume_pool_stos": _decimal(state["volume_pool"], WEI_PER_STOS),
        "ozone_limit_oz": _decimal(state["ozone_limit"], NOZ_PER_OZ),
        "traffic_settled_oz": _decimal(state["traffic_settled"], NOZ_PER_OZ),
        "locked_stos": _decimal(state["locked"], WEI_PER_STOS),
        "dust_wei": str(state["dust"]),
        "refused": state["refused"],
    }


def _decimal(amount: int, unit: int) -> str:
    """An integer count of base units as an exact decimal string of whole units."""
    digits = len(str(unit)) - 1
    whole, frac = divmod(amount, unit)
    return f"{whole}.{frac:0{digits}d}"
