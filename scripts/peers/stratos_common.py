"""What the two radCAD models of Stratos share: units, the network of the benchmark and the
mining table.

The network is that of ``scenarios/bench/stratos-lite.toml`` (Ergon's side of the comparison):
1,000 resource nodes with deposits uniform in [100, 5,000] STOS, 10 meta nodes with 100,000 STOS
each, 21 validators with a self-bond of 100,000 STOS each, and one user with 50,000,000 STOS who
every epoch (10 minutes) buys Ozone for 50 STOS and downloads 500 files of 1 to 10 GB. The rules
are the Stratos paper's: the Ozone constant product, top-80 % Proof-of-Traffic settlement with
carry-over, the mining table below, node rewards locked for 14 days.

Amounts here are exact integers: wei (10^-18 STOS) and noz (10^-9 Oz, one byte of traffic).
"""

import random
from dataclasses import dataclass

WEI_PER_STOS = 10**18
NOZ_PER_OZ = 10**9
BPS = 10_000  # basis points in a whole

EPOCHS_PER_DAY = 144
LOCK_EPOCHS = 14 * EPOCHS_PER_DAY  # node rewards lock for 14 days

RESOURCE_NODES = 1_000
DEPOSIT_LOW_STOS = 100
DEPOSIT_HIGH_STOS = 5_000
META_NODES = 10
META_DEPOSIT_STOS = 100_000
VALIDATORS = 21
SELF_BOND_STOS = 100_000

USER_BALANCE_STOS = 50_000_000
PREPAY_STOS = 50  # one PREPAY an epoch
TASKS_PER_EPOCH = 500  # downloads an epoch
SIZE_LOW_OZ = 1
SIZE_HIGH_OZ = 10

OZONE_PER_STOS = 1_000  # genesis Ozone limit per STOS of deposit: price 0.001 STOS/Oz
SETTLE_BPS = 8_000  # the settled prefix reaches 80 % of the pending traffic

MINING_END_WEI = 39_000_000 * WEI_PER_STOS  # the mining pool; nothing is mined past it

# The paper's mining table: (total mined when the tier starts, reward an epoch, split in basis
# points between resource nodes, meta nodes and validators), amounts in wei.
MINING_TIERS = (
    (0, 80 * WEI_PER_STOS, (6_000, 2_000, 2_000)),
    (16_819_200 * WEI_PER_STOS, 40 * WEI_PER_STOS, (6_200, 1_800, 2_000)),
    (25_228_800 * WEI_PER_STOS, 20 * WEI_PER_STOS, (6_400, 1_600, 2_000)),
    (29_433_600 * WEI_PER_STOS, 10 * WEI_PER_STOS, (6_600, 1_400, 2_000)),
    (31_536_000 * WEI_PER_STOS, 5 * WEI_PER_STOS, (6_800, 1_200, 2_000)),
    (32_587_200 * WEI_PER_STOS, 5 * WEI_PER_STOS // 2, (7_000, 1_000, 2_000)),
)


def mining_reward(total_mined: int) -> tuple[int, tuple[int, int, int]]:
    """The mining reward of an epoch (wei) and its split, given the total mined before it
    (wei: an int, or a float in the float model, which gets a float back once clamped).

    The last reward is clamped so the total never passes the end; after the end the reward is
    0 and the last tier's split still applies (to the traffic reward).
    """
    reward, split = 0, MINING_TIERS[-1][2]
    for start, tier_reward, tier_split in MINING_TIERS:
        if total_mined >= start:
            reward, split = tier_reward, tier_split
    return min(reward, max(MINING_END_WEI - total_mined, 0)), split


@dataclass(frozen=True)
class Genesis:
    """The network at genesis, in wei and noz."""

    resource_deposits: tuple[int, ...]
    meta_deposits: tuple[int, ...]
    validator_bonds: tuple[int, ...]
    user_balance: int

    @property
    def total_deposit(self) -> int:
        """S of the constant product: every resource and meta node's deposit."""
        return sum(self.resource_deposits) + sum(self.meta_deposits)

    @property
    def ozone_limit(self) -> int:
        """The genesis Ozone limit L in noz: 1,000 Oz per STOS of deposit (floor)."""
        return self.total_deposit * OZONE_PER_STOS * NOZ_PER_OZ // WEI_PER_STOS


def genesis(seed: int) -> Genesis:
    """Draw the network: each resource node's deposit uniform in whole wei over [100, 5,000] STOS.

    Both models start from this same network (the float model converts it to STOS).
    """
    rng = random.Random(seed)
    low, high = DEPOSIT_LOW_STOS * WEI_PER_STOS, DEPOSIT_HIGH_STOS * WEI_PER_STOS
    return Genesis(
        resource_deposits=tuple(rng.randint(low, high) for _ in range(RESOURCE_NODES)),
        meta_deposits=(META_DEPOSIT_STOS * WEI_PER_STOS,) * META_NODES,
        validator_bonds=(SELF_BOND_STOS * WEI_PER_STOS,) * VALIDATORS,
        user_balance=USER_BALANCE_STOS * WEI_PER_STOS,
    )
