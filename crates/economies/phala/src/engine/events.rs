//! [`Event`]: what an accepted replay operation reports, one variant per operation, serialized
//! (serde, at the replay edge only) as an object whose `event` names the variant; and
//! [`BlockReport`], what a block's close reports. PHA amounts are exact decimal strings; 64.64
//! values are decimal strings with 20 decimals, truncated, and (where a vector pins them) their
//! raw bits.

use ergon_core::{Amount, TokenMeta, U64F64};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// PHA's decimals.
pub const PHA_DECIMALS: u8 = 12;

/// PHA as a token.
#[must_use]
pub fn pha_meta() -> TokenMeta {
    TokenMeta::new("PHA", PHA_DECIMALS)
}

/// Serializes base units as a PHA decimal string.
pub fn ser_pha<S: Serializer>(a: &Amount, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&pha_meta().format(*a))
}

/// Whether `a` is zero: an amount left out of an event.
fn is_none(a: &Amount) -> bool {
    a.is_zero()
}

/// [`ser_pha`] in a human-readable format; in a binary one (a saved state) the amount itself.
pub fn ser_pha_saved<S: Serializer>(a: &Amount, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() { ser_pha(a, s) } else { a.serialize(s) }
}

/// Reads an amount [`ser_pha_saved`] saved: from a binary format only (the PHA decimal form is
/// a view).
pub fn de_saved<'de, D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    if d.is_human_readable() {
        return Err(serde::de::Error::custom(
            "PHA shown as a decimal reads back from a saved state only",
        ));
    }
    Amount::deserialize(d)
}

/// Serializes a 64.64 value as its decimal expansion with 20 decimals, truncated.
pub fn ser_fx<S: Serializer>(v: &U64F64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Serializes a 64.64 value's raw bits as a decimal string.
pub fn ser_bits<S: Serializer>(v: &U64F64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&v.to_bits())
}

/// An accepted operation's report. Field meanings: docs/economies/phala.md.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[allow(missing_docs)] // fields are documented in docs/economies/phala.md
pub enum Event {
    Registered {
        worker: String,
        owner: String,
        confidence_level: u8,
    },
    BenchmarkSet {
        worker: String,
        score: u32,
    },
    Started {
        worker: String,
        session: u32,
        #[serde(serialize_with = "ser_pha")]
        stake: Amount,
        #[serde(serialize_with = "ser_pha")]
        minimum_stake: Amount,
        #[serde(serialize_with = "ser_fx")]
        ve: U64F64,
        #[serde(serialize_with = "ser_bits")]
        ve_bits: U64F64,
    },
    Challenged {
        worker: String,
        block: u32,
        waiting: usize,
    },
    Heartbeat {
        worker: String,
        challenge_block: u32,
        #[serde(serialize_with = "ser_fx")]
        p_instant: U64F64,
        #[serde(serialize_with = "ser_fx")]
        sum_share: U64F64,
        #[serde(serialize_with = "ser_fx")]
        payout: U64F64,
        #[serde(serialize_with = "ser_bits")]
        payout_bits: U64F64,
        #[serde(serialize_with = "ser_fx")]
        treasury: U64F64,
        #[serde(serialize_with = "ser_bits")]
        treasury_bits: U64F64,
        #[serde(serialize_with = "ser_pha")]
        paid: Amount,
        #[serde(serialize_with = "ser_pha")]
        to_treasury: Amount,
        #[serde(serialize_with = "ser_fx")]
        v: U64F64,
        #[serde(serialize_with = "ser_bits")]
        v_bits: U64F64,
        /// A pooled worker: how its pool took the payout.
        #[serde(skip_serializing_if = "Option::is_none")]
        pool: Option<PoolReward>,
        /// paper: an Active worker's gas.
        #[serde(skip_serializing_if = "Option::is_none")]
        gas: Option<Gas>,
    },
    /// A heartbeat answering a challenge of an ended session: taken off the queue, no effect.
    HeartbeatIgnored {
        worker: String,
        challenge_block: u32,
    },
    Stopped {
        worker: String,
        #[serde(serialize_with = "ser_fx")]
        v: U64F64,
        cool_down_ends: u64,
        /// paper: the contract the stop ended.
        #[serde(skip_serializing_if = "Option::is_none")]
        contract: Option<ContractEnded>,
    },
    Reclaimed {
        worker: String,
        #[serde(serialize_with = "ser_pha")]
        returned: Amount,
        #[serde(serialize_with = "ser_pha")]
        slashed: Amount,
        /// A pooled worker: the withdrawals its returned stake served.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        served: Vec<Withdrawal>,
    },
    Restarted {
        pool: String,
        worker: String,
        #[serde(serialize_with = "ser_pha")]
        returned: Amount,
        #[serde(serialize_with = "ser_pha")]
        slashed: Amount,
        session: u32,
        #[serde(serialize_with = "ser_pha")]
        stake: Amount,
        #[serde(serialize_with = "ser_fx")]
        ve: U64F64,
        #[serde(serialize_with = "ser_bits")]
        ve_bits: U64F64,
        #[serde(serialize_with = "ser_pha")]
        free: Amount,
    },
    PoolCreated {
        pool: String,
        owner: String,
        commission_ppm: u32,
    },
    WorkerAdded {
        pool: String,
        worker: String,
    },
    Contributed {
        pool: String,
        account: String,
        #[serde(serialize_with = "ser_pha")]
        amount: Amount,
        #[serde(serialize_with = "ser_pha")]
        shares: Amount,
        #[serde(serialize_with = "ser_pha")]
        total_shares: Amount,
        #[serde(serialize_with = "ser_pha")]
        total_value: Amount,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        served: Vec<Withdrawal>,
    },
    /// A withdrawal request: the parts served at once and the shares left waiting.
    WithdrawalRequested {
        pool: String,
        account: String,
        #[serde(serialize_with = "ser_pha")]
        shares: Amount,
        served: Vec<Withdrawal>,
        #[serde(serialize_with = "ser_pha")]
        queued: Amount,
        #[serde(serialize_with = "ser_pha")]
        total_shares: Amount,
        #[serde(serialize_with = "ser_pha")]
        total_value: Amount,
        #[serde(serialize_with = "ser_pha")]
        free: Amount,
    },
    /// The grace-period check: the workers it stopped (none unless a request expired).
    ForceWithdrawChecked {
        pool: String,
        /// The withdrawals the check served first from the free stake.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        served: Vec<Withdrawal>,
        stopped: Vec<String>,
    },
    /// paper: a contract deployed and assigned by the weighted draw.
    ContractDeployed {
        contract: String,
        developer: String,
        tiers: Vec<u8>,
        #[serde(serialize_with = "ser_pha")]
        gas_budget: Amount,
        #[serde(serialize_with = "ser_pha")]
        gas_per_block: Amount,
        worker: String,
        weight: u64,
        total_weight: u64,
        point: u64,
    },
    /// paper: a contract its developer stopped.
    ContractStopped(ContractEnded),
    VaultCreated {
        vault: String,
        owner: String,
        commission_ppm: u32,
        /// The vault's own ledger account.
        account: String,
    },
    VaultContributed {
        vault: String,
        account: String,
        #[serde(serialize_with = "ser_pha")]
        amount: Amount,
        /// khala: the owner's commission settled first, in shares (absent when none).
        #[serde(serialize_with = "ser_pha", skip_serializing_if = "is_none")]
        owner_shares_gained: Amount,
        #[serde(serialize_with = "ser_pha")]
        shares: Amount,
        #[serde(serialize_with = "ser_pha")]
        total_shares: Amount,
        #[serde(serialize_with = "ser_pha")]
        total_value: Amount,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        served: Vec<Withdrawal>,
    },
    VaultInvested {
        vault: String,
        pool: String,
        #[serde(serialize_with = "ser_pha")]
        amount: Amount,
        #[serde(serialize_with = "ser_pha")]
        pool_shares: Amount,
    },
    VaultDivested {
        vault: String,
        pool: String,
        #[serde(serialize_with = "ser_pha")]
        pool_shares: Amount,
        /// PHA the pool paid now.
        #[serde(serialize_with = "ser_pha")]
        paid: Amount,
        /// Pool shares still waiting in the pool's queue.
        #[serde(serialize_with = "ser_pha")]
        queued: Amount,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        served: Vec<Withdrawal>,
    },
    VaultWithdrawalRequested {
        vault: String,
        account: String,
        /// khala: the owner's commission settled first, in shares (absent when none).
        #[serde(serialize_with = "ser_pha", skip_serializing_if = "is_none")]
        owner_shares_gained: Amount,
        #[serde(serialize_with = "ser_pha")]
        shares: Amount,
        served: Vec<Withdrawal>,
        #[serde(serialize_with = "ser_pha")]
        queued: Amount,
    },
    /// The owner's commission: `minted` shares (none when the price is not above the
    /// checkpoint); prices in PHA per share.
    OwnerSharesGained {
        vault: String,
        #[serde(serialize_with = "ser_pha")]
        minted: Amount,
        #[serde(serialize_with = "ser_pha")]
        price: Amount,
        #[serde(serialize_with = "ser_pha")]
        checkpoint: Amount,
    },
    /// The shutdown check: withdrawals served, the pools asked to return all the vault's shares.
    VaultChecked {
        vault: String,
        served: Vec<Withdrawal>,
        shutdown: Vec<String>,
    },
}

/// An Active worker's gas at a heartbeat, PHA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // fields are documented in docs/economies/phala.md
pub struct Gas {
    pub contract: String,
    #[serde(serialize_with = "ser_pha")]
    pub paid: Amount,
    #[serde(serialize_with = "ser_pha")]
    pub left: Amount,
    pub ended: bool,
}

/// A contract's end, PHA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // fields are documented in docs/economies/phala.md
pub struct ContractEnded {
    pub contract: String,
    pub worker: String,
    pub reason: crate::contracts::ContractEnd,
    #[serde(serialize_with = "ser_pha")]
    pub gas: Amount,
    #[serde(serialize_with = "ser_pha")]
    pub refund: Amount,
}

/// A withdrawal served from a pool's free stake. Shares are shown like PHA (12 decimals).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // fields are documented in docs/economies/phala.md
pub struct Withdrawal {
    pub account: String,
    #[serde(serialize_with = "ser_pha")]
    pub amount: Amount,
    #[serde(serialize_with = "ser_pha")]
    pub shares: Amount,
}

/// How a pool took a pooled worker's payout, PHA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // fields are documented in docs/economies/phala.md
pub struct PoolReward {
    pub pool: String,
    #[serde(serialize_with = "ser_pha")]
    pub to_owner: Amount,
    #[serde(serialize_with = "ser_pha")]
    pub to_stakers: Amount,
    #[serde(serialize_with = "ser_pha")]
    pub dust: Amount,
    #[serde(serialize_with = "ser_pha")]
    pub dismissed: Amount,
}

/// What a block's close reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BlockReport {
    /// The block closed.
    pub block: u32,
    /// Workers that grew this block.
    pub idle: u32,
    /// Workers slashed this block (unresponsive).
    pub slashed: u32,
    /// Workers that became unresponsive, by name (listed when detail is on).
    pub entered_unresponsive: Vec<String>,
    /// Workers that recovered, by name (listed when detail is on).
    pub exited_unresponsive: Vec<String>,
    /// Whether the budget was cut to 75 % at this block.
    pub halved: bool,
    /// The budget per block from the next block on.
    #[serde(serialize_with = "ser_fx")]
    pub budget_per_block: U64F64,
    /// Σshare for the next block's payouts (`None` without report detail: computed when
    /// first needed, see [`crate::Phala::set_report_detail`]).
    #[serde(serialize_with = "ser_opt_fx")]
    pub sum_share: Option<U64F64>,
}

/// Serializes an optional 64.64 value as [`ser_fx`] does, or null.
pub fn ser_opt_fx<S: Serializer>(v: &Option<U64F64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => s.collect_str(x),
        None => s.serialize_none(),
    }
}
