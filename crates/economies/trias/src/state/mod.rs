//! [`Trias`]: the economy's state and its [`Economy`] impl — genesis with a [`Profile`], the
//! ledger (one token, the mining pools), the replay actions (register a node, attest — FAIL_EVIDENCE
//! included —, receipt, answer a query), and the epoch: trust snapshot, emission, pool split,
//! verification-as-mining and routing-as-mining payouts gated by trust (spec trias.md,
//! "Emission and pools", "Verification as mining", "Routing as mining").
//!
//! Epoch `e` covers steps `e·S .. (e+1)·S − 1` (`S = steps_per_epoch`, 360). A record's step
//! moves the clock forward inside the epoch; `end_epoch` moves it to the epoch's last step,
//! takes the snapshot, mints `E_e` (clamped to the cap) into the pools, and splits the
//! verifiers' pool (with its carry) by `credit × gate`; the floors' remainder stays in the pool
//! as the next epoch's carry; the routers' pool likewise by router weight. The Prometh pool
//! accumulates until its flow exists.

use std::collections::{BTreeMap, BTreeSet};

use ergon_core::amount::{Qty, TokenMeta};
use ergon_core::economy::{Economy, Metric, MetricValue, Rejection};
use ergon_core::invariants::Violation;
use ergon_core::ledger::{AccountId, Holder, Ledger, PoolId, TokenId};
use ergon_core::{Amount, Coded, Epoch};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::attest::{Attestation, AttestationBook, NodeId, Recorded, Tee};
use crate::error::TriasError;
use crate::gate::TrustParams;
use crate::mining::EmissionParams;
use crate::routing::Receipts;
use crate::rowmap::RowMap;

mod action;
mod attesters;
pub mod beacon;
mod bonds;
mod typed;
pub use action::Action;
pub use typed::{ClaimsPaid, CloseExtra, EpochOutcome, FraudOutcome, Paid, Reserves};
pub mod calls;
pub mod cover;
pub mod extra;

/// The most steps an epoch (`steps_per_epoch`): the steps of 2^32 epochs fit the step clock.
pub const STEPS_PER_EPOCH_MAX: u64 = 1 << 32;

/// Credit for an upheld FAIL_EVIDENCE.
pub const UPHELD_CREDIT: u64 = 10;

/// The rule profile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The spec's rules: the gate from EigenTrust and CB (default).
    #[default]
    Spec,
    /// Trias's shipped trust for comparison: the gate is `min(1, r)` of the compatibility
    /// PageRank, without CB (not Sybil-resistant).
    Compat,
}

fn d_symbol() -> String {
    "TRY".into()
}
fn d_decimals() -> u8 {
    18
}
fn d_halving() -> u64 {
    8760
}
fn d_steps() -> u64 {
    360
}
fn d_window() -> u32 {
    32
}

/// The genesis line.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The profile (`spec`, default, or `compat`).
    #[serde(default)]
    pub profile: Profile,
    /// Token symbol (`TRY`).
    #[serde(default = "d_symbol")]
    pub symbol: String,
    /// Token decimals (18).
    #[serde(default = "d_decimals")]
    pub decimals: u8,
    /// The mining pool's cap on everything emitted, tokens.
    pub cap: Qty,
    /// `E_0`, tokens per epoch.
    pub epoch_reward: Qty,
    /// `H`, epochs per halving (8760).
    #[serde(default = "d_halving")]
    pub halving_epochs: u64,
    /// Epochs of the bootstrap split (0).
    #[serde(default)]
    pub bootstrap_epochs: u64,
    /// Steps per epoch (360).
    #[serde(default = "d_steps")]
    pub steps_per_epoch: u64,
    /// `K`, the recency window (32, at most 64).
    #[serde(default = "d_window")]
    pub window: u32,
    /// The epoch beacon's master seed (64 hex digits, default zero).
    #[serde(default)]
    pub beacon: ergon_core::rng::Seed,
    /// The most one bounty pays, tokens (default: no cap).
    #[serde(default)]
    pub bounty_cap: Option<Qty>,
    /// Epochs after filing a queued claim expires (30).
    #[serde(default = "crate::insurance::default_expiry")]
    pub claim_expiry: u64,
}

/// What an accepted action reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Event {
    /// A node registered with its index.
    NodeRegistered { node: String, index: NodeId },
    /// A record accepted: the pair's direct trust after it.
    Attested { attester: String, attestee: String, step: u64, direct: u64 },
    /// A FAIL_EVIDENCE record quarantined the attestee.
    Quarantined { node: String, by: String, step: u64 },
    /// A receipt or a query answer counted: the pair's receipts this epoch (uncapped).
    Receipted { router: String, receiver: String, receipts: u32 },
    /// A bond grew to `bond`.
    Bonded { node: String, amount: String, bond: String },
    /// A quarantined node's bond went to insurance (30 % bounty, 70 % compensation reserve).
    Slashed { node: String, amount: String, bounty: String, compensation: String },
    /// A fraud proof: the attester's credits this epoch and its bond are forfeited, half of the
    /// bond (rounded down) to the challenger, the rest to insurance.
    FraudProven {
        attester: String,
        challenger: String,
        credits: u64,
        to_challenger: String,
        bounty: String,
        compensation: String,
    },
    /// What a calls, insurance or Prometh op reports.
    #[serde(untagged)]
    Extra(extra::ExtraEvent),
}

/// The verifiers' split of one epoch, kept for the invariant check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct LastSplit {
    pool: Amount,
    paid: Amount,
    carry: Amount,
}

/// The Trias economy. See the module doc.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trias {
    profile: Profile,
    trust: TrustParams,
    emission: EmissionParams,
    steps_per_epoch: u64,
    ledger: Ledger,
    token: TokenId,
    pools: [PoolId; 3],
    /// `bonds`, `insurance_bounty`, `insurance_compensation`.
    reserves: [PoolId; 3],
    bonds: Vec<Amount>,
    book: AttestationBook,
    names: Vec<String>,
    ids: BTreeMap<String, NodeId>,
    accounts: Vec<AccountId>,
    /// This epoch's (assigned, free) records by pair, by attester then attestee.
    credits: RowMap<(u32, u32)>,
    upheld: BTreeMap<NodeId, u64>,
    /// Verifiers proven fraudulent this epoch: their epoch's credits are forfeited, those
    /// recorded after the proof too.
    #[serde(default)]
    forfeited: BTreeSet<NodeId>,
    receipts: Receipts,
    emitted: Amount,
    epoch: Epoch,
    last: [LastSplit; 2],
    extra: extra::Extra,
    /// Targets drawn from the beacon this epoch, kept to draw each once (not state: each is
    /// what a fresh draw gives, and an empty cache refills on first use — a saved state
    /// leaves it out).
    #[serde(skip)]
    beacon_cache: beacon::BeaconCache,
}

impl Trias {
    fn meta(&self) -> &TokenMeta {
        self.ledger.token(self.token).expect("the token is registered at genesis")
    }

    fn fmt(&self, a: Amount) -> String {
        self.meta().format(a)
    }

    fn id(&self, name: &str) -> Result<NodeId, TriasError> {
        self.ids.get(name).copied().ok_or_else(|| TriasError::UnknownName { name: name.into() })
    }

    fn register(&mut self, node: &str, tee: Tee, seed: bool) -> Result<Event, TriasError> {
        ergon_core::names::check_name("node", node)?;
        if self.ids.contains_key(node) {
            return Err(TriasError::DuplicateName { name: node.into() });
        }
        let account = self.ledger.open_account()?;
        let index = self.book.register(tee, seed);
        self.names.push(node.into());
        self.ids.insert(node.into(), index);
        self.accounts.push(account);
        self.bonds.push(Amount::ZERO);
        self.extra.grow(self.names.len());
        Ok(Event::NodeRegistered { node: node.into(), index })
    }

    fn attest(&mut self, a: &Attestation, assigned: bool) -> Result<Vec<Event>, TriasError> {
        let (done, slashed) = self.record_slashing(a, assigned)?;
        let (attester, attestee) =
            (self.names[a.attester as usize].clone(), self.names[a.attestee as usize].clone());
        let first = match done {
            Recorded::Pass { direct } => {
                Event::Attested { attester, attestee, step: a.step, direct }
            }
            Recorded::Wiped => Event::Attested { attester, attestee, step: a.step, direct: 0 },
            Recorded::Quarantined { .. } => {
                Event::Quarantined { node: attestee, by: attester, step: a.step }
            }
        };
        Ok(std::iter::once(first).chain(slashed).collect())
    }

    /// The epoch's last step.
    fn epoch_end(&self) -> u64 {
        (self.epoch.0 + 1).saturating_mul(self.steps_per_epoch) - 1
    }

    /// A receipt: `(router, receiver, attester, attestee)` by name, the record's step and the
    /// step it was received.
    fn receipt(
        &mut self,
        names: [&String; 4],
        record_step: &u64,
        step: &u64,
    ) -> Result<Event, TriasError> {
        let [router, receiver, attester, attestee] = names;
        let (r, k) = (self.id(router)?, self.id(receiver)?);
        let (i, j) = (self.id(attester)?, self.id(attestee)?);
        let receipts = self.receipt_ids(r, k, (i, j, *record_step), *step)?;
        Ok(Event::Receipted { router: router.clone(), receiver: receiver.clone(), receipts })
    }

    fn answer(&mut self, router: &str, receiver: &str) -> Result<Event, TriasError> {
        let receipts = self.answer_ids(self.id(router)?, self.id(receiver)?)?;
        Ok(Event::Receipted { router: router.into(), receiver: receiver.into(), receipts })
    }
}

impl Economy for Trias {
    const NAME: &'static str = "trias";
    type Genesis = Genesis;
    type Action = Action;
    type Event = Event;
    type Error = TriasError;
    type Report = Value;

    fn from_genesis(g: Genesis) -> Result<Trias, Rejection> {
        let bad = |name, value: u64, min, max| TriasError::BadParam { name, value, min, max };
        if g.decimals > 30 {
            return Err(reject(bad("decimals", g.decimals.into(), 0, 30)));
        }
        if g.steps_per_epoch == 0 || g.halving_epochs == 0 {
            return Err(reject(bad("steps_per_epoch/halving_epochs", 0, 1, u64::MAX)));
        }
        // A claim expires `claim_expiry` closes after its filing: at 0 it would expire at its
        // own close, before the payment, its cover used up.
        if g.claim_expiry == 0 {
            return Err(reject(bad("claim_expiry", 0, 1, u64::MAX)));
        }
        // At most 2^32 steps an epoch: the steps of 2^32 epochs fit the 64-bit step clock.
        if g.steps_per_epoch > STEPS_PER_EPOCH_MAX {
            let s = g.steps_per_epoch;
            return Err(reject(bad("steps_per_epoch", s, 1, STEPS_PER_EPOCH_MAX)));
        }
        let meta = TokenMeta::new(&g.symbol, g.decimals);
        let cap = g.cap.to_amount(&meta)?;
        let mut ledger = Ledger::new();
        let token = ledger.add_token(meta.clone(), cap)?;
        let pools = [
            ledger.add_pool("verifiers")?,
            ledger.add_pool("routers")?,
            ledger.add_pool("prometh")?,
        ];
        let reserves = [
            ledger.add_pool("bonds")?,
            ledger.add_pool("insurance_bounty")?,
            ledger.add_pool("insurance_compensation")?,
        ];
        let escrow = ledger.add_pool("calls")?;
        let bounty_cap = g.bounty_cap.as_ref().map(|q| q.to_amount(&meta)).transpose()?;
        let emission = EmissionParams {
            initial: g.epoch_reward.to_amount(&meta)?,
            halving_epochs: g.halving_epochs,
            cap,
            bootstrap_epochs: g.bootstrap_epochs,
        };
        Ok(Trias {
            profile: g.profile,
            trust: TrustParams::default(),
            emission,
            steps_per_epoch: g.steps_per_epoch,
            ledger,
            token,
            pools,
            reserves,
            bonds: Vec::new(),
            book: AttestationBook::new(g.window).map_err(reject)?,
            names: Vec::new(),
            ids: BTreeMap::new(),
            accounts: Vec::new(),
            credits: RowMap::default(),
            upheld: BTreeMap::new(),
            forfeited: BTreeSet::new(),
            receipts: Receipts::default(),
            emitted: Amount::ZERO,
            epoch: Epoch(0),
            last: [LastSplit::default(); 2],
            extra: extra::Extra::new(escrow, g.beacon, bounty_cap, g.claim_expiry),
            beacon_cache: beacon::BeaconCache::default(),
        })
    }

    fn apply(&mut self, action: &Action) -> Result<Vec<Event>, TriasError> {
        Ok(vec![match action {
            Action::RegisterNode { node, tee, seed } => self.register(node, *tee, *seed)?,
            Action::Attest { attester, attestee, step, outcome, tee, assigned } => {
                let a = Attestation {
                    attester: self.id(attester)?,
                    attestee: self.id(attestee)?,
                    step: *step,
                    outcome: *outcome,
                    tee: *tee,
                };
                return self.attest(&a, *assigned);
            }
            Action::Receipt { router, receiver, attester, attestee, record_step, step } => {
                self.receipt([router, receiver, attester, attestee], record_step, step)?
            }
            Action::QueryAnswer { router, receiver } => self.answer(router, receiver)?,
            Action::Bond { node, amount } => self.bond(node, amount)?,
            Action::FraudProof { challenger, attester, attestee } => {
                self.fraud_proof(challenger, attester, attestee)?
            }
            Action::Extra(a) => Event::Extra(self.apply_extra(a).map_err(|e| self.named(e))?),
        }])
    }

    fn rejection(&self, error: TriasError) -> Rejection {
        let (error, label) = match error {
            TriasError::Named { error, label } => (*error, Some(label)),
            e => (e, None),
        };
        let error = self.in_tokens(error);
        let [a, b] = error.nodes();
        let mut r = reject(error);
        let named: Vec<String> = [a, b.filter(|&b| Some(b) != a)]
            .into_iter()
            .flatten()
            .filter_map(|n| Some(format!("node {n} is {:?}", self.names.get(n as usize)?)))
            .chain(label)
            .collect();
        if !named.is_empty() {
            r.message.push_str(&format!("; {}", named.join(", ")));
        }
        r
    }

    fn end_epoch(&mut self) -> Result<Value, Violation> {
        let o = self.close_epoch()?;
        let name = |j: NodeId| self.names[j as usize].as_str();
        let rows: Vec<Value> = match &o.snapshot {
            None => Vec::new(),
            Some(s) => (0..self.names.len())
                .map(|j| {
                    // Not computed (a node outside the candidates at cb_all_below nodes or
                    // more): null, not a CB of 0.
                    let (cb, het) = (s.cb[j], s.cb_het[j]);
                    json!({"node": self.names[j], "relative_ppm": s.relative_ppm[j], "cb": cb,
                           "cb_het": het, "gate": o.gates[j]})
                })
                .collect(),
        };
        let paid = |list: &[Paid], extra: &str| -> Vec<Value> {
            list.iter()
                .map(|p| {
                    json!({"node": name(p.node), extra: p.base,
                                "weight": p.weight.to_string(), "amount": self.fmt(p.amount)})
                })
                .collect()
        };
        let p = o.pools;
        let mut report = json!({
            "emitted": self.fmt(o.emitted),
            "pools": {"verifiers": self.fmt(p.verifiers), "routers": self.fmt(p.routers),
                      "prometh": self.fmt(p.prometh), "dust": self.fmt(p.dust)},
            "trust": rows,
            "verifier_pool": self.fmt(o.verifier_pool),
            "payouts": paid(&o.verifiers, "credit"),
            "carry": self.fmt(o.verifier_carry),
            "router_pool": self.fmt(o.router_pool),
            "router_payouts": paid(&o.routers, "receipts"),
            "router_carry": self.fmt(o.router_carry),
        });
        // Calls settled, Prometh payouts and claims of the close, after the mining splits.
        if let Some(r) = report.as_object_mut() {
            self.render_extra(&o.extra, r);
        }
        Ok(report)
    }

    fn epoch(&self) -> Epoch {
        self.epoch
    }

    fn metrics(&self) -> Vec<Metric> {
        let d = self.meta().decimals;
        let amount = |raw: Amount| MetricValue::Amount { raw: raw.0, decimals: d };
        vec![
            Metric { name: "emitted", value: amount(self.emitted) },
            Metric { name: "nodes", value: MetricValue::Count(self.names.len() as u64) },
        ]
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        self.ledger.check_conservation()?;
        let minted = self.ledger.minted(self.token).unwrap_or_default();
        if minted != self.emitted {
            return Err(Violation::new(
                "trias emitted",
                format!("{minted:?} minted vs {:?} emitted", self.emitted),
            ));
        }
        self.check_extra()?;
        for l in self.last {
            if l.paid.0 + l.carry.0 != l.pool.0 {
                return Err(Violation::new("trias split", format!("{l:?}")));
            }
        }
        Ok(())
    }

    fn snapshot(&self) -> Value {
        let t = self.token;
        let bal = |h: Holder| self.fmt(self.ledger.balance(t, h).unwrap_or_default());
        let nodes: BTreeMap<&str, Value> = self
            .names
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let s = self.book.nodes()[j];
                (
                    name.as_str(),
                    json!({"tee": s.tee, "seed": s.seed, "quarantined": s.quarantined,
                                       "balance": bal(Holder::Account(self.accounts[j])),
                                       "bond": self.fmt(self.bonds[j])}),
                )
            })
            .collect();
        let pools: BTreeMap<&str, String> = self
            .pools
            .iter()
            .chain(&self.reserves)
            .map(|&p| (self.ledger.pool_name(p).unwrap_or("?"), bal(p.into())))
            .collect();
        json!({"epoch": self.epoch.0, "step": self.book.now(), "profile": self.profile,
               "emitted": self.fmt(self.emitted), "nodes": nodes, "pools": pools})
    }
}

impl Trias {
    /// The core's refusal of a node's balance as replay shows it ([`TriasError::ShortBalance`]:
    /// the node by index, named after the message, and the amounts in tokens); any other
    /// refusal as it is.
    fn in_tokens(&self, e: TriasError) -> TriasError {
        let TriasError::Core(ref core) = e else { return e };
        let ergon_core::Error::InsufficientBalance { ref token, needed, available, .. } = *core
        else {
            return e;
        };
        let account = core.short_account();
        let Some(node) = self.accounts.iter().position(|a| Some(a.0) == account) else {
            return e;
        };
        TriasError::ShortBalance {
            node: node as NodeId,
            available: self.fmt(available),
            token: token.clone(),
            needed: self.fmt(needed),
        }
    }
}

/// A refusal as replay shows it.
fn reject(e: TriasError) -> Rejection {
    Rejection::new(e.code(), e.to_string())
}
