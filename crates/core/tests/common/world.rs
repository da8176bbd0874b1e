//! The [`World`] of the ledger and lock-queue properties: a [`Ledger`] and a [`LockQueue`]
//! stepped side by side with the reference [`Model`]; each step is checked against the model's
//! prediction, and after each step every invariant is checked.

use std::collections::BTreeMap;

use ergon_core::ledger::Checkpoint;
use ergon_core::locks::LockCheckpoint;
use ergon_core::{
    AccountId, Amount, Epoch, Error, Holder, Ledger, LockQueue, PoolId, TokenId, TokenMeta,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::steps::{Amt, H, Op};
use super::{
    ACCOUNT_SLOTS, CAPS, DECIMALS, INITIAL_ACCOUNTS, LOCK_POOL, LOCK_TOKEN, MAX_CHUNKS, Model,
    POOLS, Tally, UNKNOWN_POOL,
};

/// A saved checkpoint: the ledger's and the queue's checkpoints, and everything as it was just
/// before them.
pub type Saved = (Checkpoint, LockCheckpoint, Ledger, LockQueue, Model);

/// The outcome of a step: the outer error is a failed property; the inner one a rejected step.
type Step = Result<Result<(), Error>, TestCaseError>;

/// One entry of a lock batch: owner, source pool, amount.
type BatchEntry = (AccountId, PoolId, Amount);

pub struct World {
    pub ledger: Ledger,
    pub queue: LockQueue,
    pub model: Model,
    pub now: Epoch,
    pub stack: Vec<Saved>,
    /// Lock owners may be unknown accounts.
    pub wild_owners: bool,
    /// Lock sources may be the queue's own pool or an unknown pool.
    pub wild_sources: bool,
}

fn fail(msg: String) -> TestCaseError {
    TestCaseError::fail(msg)
}

/// Fails the case unless `cond`.
fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if cond { Ok(()) } else { Err(fail(msg())) }
}

/// Whether the model accepts a lock batch, the chunk budget aside: sorted by owner with no
/// (owner, source) pair twice, known owners, and the live entries' sources free pools that
/// hold what is taken from them.
fn batch_acceptable(m: &Model, batch: &[BatchEntry]) -> bool {
    let sorted = batch.windows(2).all(|w| w[0].0 <= w[1].0)
        && batch
            .iter()
            .enumerate()
            .all(|(i, e)| batch[..i].iter().all(|f| (f.0, f.1) != (e.0, e.1)));
    let owners_ok = batch.iter().all(|e| e.0.0 < m.accounts);
    let live = batch.iter().filter(|e| !e.2.is_zero());
    let sources_ok = live.clone().all(|e| e.1.0 < POOLS);
    let mut per_source: BTreeMap<PoolId, u128> = BTreeMap::new();
    let mut fits = true;
    for e in live {
        let s = per_source.entry(e.1).or_default();
        match s.checked_add(e.2.0) {
            Some(v) => *s = v,
            None => fits = false,
        }
    }
    let funded = fits && per_source.iter().all(|(p, x)| m.bal(LOCK_TOKEN, (*p).into()) >= *x);
    sorted && owners_ok && sources_ok && funded
}

/// Whether a lock batch's live entries would take some owner past the chunk limit.
fn batch_over_chunk_limit(m: &Model, batch: &[BatchEntry]) -> bool {
    let live = batch.iter().filter(|e| !e.2.is_zero());
    live.clone().any(|e| {
        let new = live.clone().filter(|f| f.0 == e.0).count();
        m.locks.get(&e.0).map_or(0, Vec::len) + new > MAX_CHUNKS as usize
    })
}

impl World {
    pub fn new(wild_owners: bool, wild_sources: bool) -> World {
        let mut ledger = Ledger::new();
        let mut model = Model::default();
        for (i, (cap, decimals)) in CAPS.iter().zip(DECIMALS).enumerate() {
            let t = ledger.add_token(TokenMeta::new(&format!("T{i}"), decimals), Amount(*cap));
            assert_eq!(t.unwrap(), TokenId(i as u16));
        }
        for p in 0..POOLS {
            assert_eq!(ledger.add_pool(&format!("pool{p}")).unwrap(), PoolId(p));
        }
        assert_eq!(ledger.add_pool("locked").unwrap(), LOCK_POOL);
        for _ in 0..INITIAL_ACCOUNTS {
            ledger.open_account().unwrap();
        }
        model.accounts = INITIAL_ACCOUNTS;
        // Seed balances: every account and free pool gets some of each token.
        let holders = (0..INITIAL_ACCOUNTS)
            .map(|a| Holder::Account(AccountId(a)))
            .chain((0..POOLS).map(|p| Holder::Pool(PoolId(p))));
        for h in holders {
            for (t, seed) in [(0u16, 1_000 * 10u128.pow(18)), (1, 1_000)] {
                ledger.mint(TokenId(t), h, Amount(seed)).unwrap();
                model.add(t, h, seed);
                model.minted[usize::from(t)] += seed;
            }
        }
        let queue = LockQueue::new(TokenId(LOCK_TOKEN), LOCK_POOL, MAX_CHUNKS);
        World { ledger, queue, model, now: Epoch(0), stack: Vec::new(), wild_owners, wild_sources }
    }

    /// Applies one step. The outer error is a failed property; the inner one a rejected step.
    pub fn apply(&mut self, op: &Op) -> Step {
        match *op {
            Op::Transfer { token, from, to, amount } => self.transfer(token, from, to, amount),
            Op::Mint { token, to, amount } => self.mint(token, to, amount),
            Op::Burn { token, from, amount } => self.burn(token, from, amount),
            Op::Open => self.open(),
            Op::Checkpoint => {
                self.checkpoint();
                Ok(Ok(()))
            }
            Op::Commit => {
                self.commit();
                Ok(Ok(()))
            }
            Op::Revert => {
                if let Some(saved) = self.stack.pop() {
                    self.revert(saved)?;
                }
                Ok(Ok(()))
            }
            Op::Lock { from, owner, amount, release_in, source } => {
                self.lock(from, owner, amount, release_in, source)
            }
            Op::LockBatch { ref entries, release_in, unsorted } => {
                self.lock_batch(entries, release_in, unsorted)
            }
            Op::Release { advance } => self.release(advance),
            Op::Forfeit { owner } => self.forfeit(owner),
            Op::Deduct { owner, amount, to } => self.deduct(owner, amount, to),
        }
    }

    fn transfer(&mut self, token: u16, from: H, to: H, amount: Amt) -> Step {
        let m = &mut self.model;
        let (from, to) = (from.resolve(), to.resolve());
        let x = amount.resolve(m.bal(token, from));
        let expect = m.transfer_ok(token, from, to, x);
        let r = self.ledger.transfer(TokenId(token), from, to, Amount(x));
        ensure(r.is_ok() == expect, || {
            format!("transfer {x} of {token} {from}→{to}: model expects ok={expect}, got {r:?}")
        })?;
        if r.is_ok() {
            m.sub(token, from, x);
            m.add(token, to, x);
        }
        Ok(r)
    }

    fn mint(&mut self, token: u16, to: H, amount: Amt) -> Step {
        let m = &mut self.model;
        let to = to.resolve();
        let t = usize::from(token);
        // The cap bounds the supply, minted − burned: a burn makes room to mint again.
        let reserve = if t < 2 { CAPS[t] - (m.minted[t] - m.burned[t]) } else { 0 };
        let x = amount.resolve(reserve);
        let expect = t < 2 && m.known(to) && x <= reserve;
        let r = self.ledger.mint(TokenId(token), to, Amount(x));
        ensure(r.is_ok() == expect, || {
            format!("mint {x} of {token} to {to}: model expects ok={expect}, got {r:?}")
        })?;
        if r.is_ok() {
            m.minted[t] += x;
            m.add(token, to, x);
        }
        Ok(r)
    }

    fn burn(&mut self, token: u16, from: H, amount: Amt) -> Step {
        let m = &mut self.model;
        let from = from.resolve();
        let x = amount.resolve(m.bal(token, from));
        let expect = token < 2 && m.known(from) && m.bal(token, from) >= x;
        let r = self.ledger.burn(TokenId(token), from, Amount(x));
        ensure(r.is_ok() == expect, || {
            format!("burn {x} of {token} from {from}: model expects ok={expect}, got {r:?}")
        })?;
        if r.is_ok() {
            m.burned[usize::from(token)] += x;
            m.sub(token, from, x);
        }
        Ok(r)
    }

    fn open(&mut self) -> Step {
        let m = &mut self.model;
        let r = self.ledger.open_account();
        ensure(r == Ok(AccountId(m.accounts)), || format!("open_account gave {r:?}"))?;
        m.accounts += 1;
        Ok(r.map(drop))
    }

    fn checkpoint(&mut self) {
        let saved = (self.ledger.clone(), self.queue.clone(), self.model.clone());
        let cp = self.ledger.checkpoint();
        let qcp = self.queue.checkpoint();
        self.stack.push((cp, qcp, saved.0, saved.1, saved.2));
    }

    fn commit(&mut self) {
        if let Some((cp, qcp, ..)) = self.stack.pop() {
            self.ledger.commit(cp);
            self.queue.commit(qcp);
        }
    }

    /// A drawn lock owner: reduced to a known account unless owners are wild.
    fn lock_owner(&self, owner: u32) -> AccountId {
        if self.wild_owners { AccountId(owner) } else { AccountId(owner % self.model.accounts) }
    }

    /// A drawn lock source: reduced to a free pool unless sources are wild.
    fn lock_source(&self, source: u16) -> PoolId {
        if self.wild_sources { PoolId(source) } else { PoolId(source % POOLS) }
    }

    fn lock(&mut self, from: H, owner: u32, amount: Amt, release_in: i64, source: u16) -> Step {
        let from = from.resolve();
        let owner = self.lock_owner(owner);
        let source = self.lock_source(source);
        let m = &mut self.model;
        let x = amount.resolve(m.bal(LOCK_TOKEN, from));
        let release_at = Epoch(self.now.0.saturating_add_signed(release_in));
        let r = self.queue.lock(&mut self.ledger, from, owner, Amount(x), release_at, source);
        // The owner must be a known account and the source a known pool other than the
        // queue's own: otherwise the tokens could never be paid or returned.
        let target_ok = owner.0 < m.accounts && source.0 < POOLS;
        let moves = target_ok && m.transfer_ok(LOCK_TOKEN, from, LOCK_POOL.into(), x);
        let live = m.locks.get(&owner).map_or(0, Vec::len);
        match &r {
            _ if x == 0 => ensure(r.is_ok(), || format!("a zero lock was rejected: {r:?}"))?,
            Ok(()) => ensure(moves, || {
                format!("lock {x} from {from} accepted, but the model cannot move it")
            })?,
            Err(Error::LimitReached { .. }) => ensure(live >= MAX_CHUNKS as usize, || {
                format!("chunk limit reached for {owner:?} with only {live} live locks")
            })?,
            Err(e) => ensure(!moves, || {
                format!("lock {x} from {from} rejected ({e}), but the model can move it")
            })?,
        }
        if r.is_ok() && x > 0 {
            m.sub(LOCK_TOKEN, from, x);
            m.add(LOCK_TOKEN, LOCK_POOL.into(), x);
            m.locks.entry(owner).or_default().push((release_at.0, source, x));
        }
        Ok(r)
    }

    /// The batch drawn as `entries`: owners and sources resolved, amounts as shares of the
    /// sources; unless `unsorted`, sorted by owner with each owner's sources in the order drawn,
    /// without repeats.
    fn lock_batch_entries(&self, entries: &[(u32, u16, Amt)], unsorted: bool) -> Vec<BatchEntry> {
        let mut batch: Vec<BatchEntry> = entries
            .iter()
            .map(|&(owner, source, amount)| {
                let owner = self.lock_owner(owner);
                let source = self.lock_source(source);
                let x = amount.resolve(self.model.bal(LOCK_TOKEN, source.into()));
                (owner, source, Amount(x))
            })
            .collect();
        if !unsorted {
            batch.sort_by_key(|e| e.0);
            let mut seen = Vec::new();
            batch.retain(|e| {
                let new = !seen.contains(&(e.0, e.1));
                seen.push((e.0, e.1));
                new
            });
        }
        batch
    }

    fn lock_batch(&mut self, entries: &[(u32, u16, Amt)], release_in: i64, unsorted: bool) -> Step {
        let batch = self.lock_batch_entries(entries, unsorted);
        let release_at = Epoch(self.now.0.saturating_add_signed(release_in));
        let r = self.queue.lock_batch(&mut self.ledger, release_at, &batch);
        let m = &mut self.model;
        let ok = batch_acceptable(m, &batch);
        match &r {
            Ok(()) => {
                ensure(ok, || format!("lock batch {batch:?} accepted, the model refuses it"))?
            }
            Err(Error::LimitReached { .. }) => ensure(batch_over_chunk_limit(m, &batch), || {
                format!("lock batch {batch:?} hit the chunk limit below it")
            })?,
            Err(e) => ensure(!ok, || {
                format!("lock batch {batch:?} rejected ({e}), the model accepts it")
            })?,
        }
        if r.is_ok() {
            for &(owner, source, x) in batch.iter().filter(|e| !e.2.is_zero()) {
                m.sub(LOCK_TOKEN, source.into(), x.0);
                m.add(LOCK_TOKEN, LOCK_POOL.into(), x.0);
                m.locks.entry(owner).or_default().push((release_at.0, source, x.0));
            }
        }
        Ok(r)
    }

    fn release(&mut self, advance: u64) -> Step {
        self.now = self.now.plus(advance);
        let now = self.now;
        let m = &mut self.model;
        let r = self.queue.release_due(&mut self.ledger, now);
        let released = match r {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)), // the caller's checks report it
        };
        // Oldest first.
        ensure(released.windows(2).all(|w| w[0].release_at <= w[1].release_at), || {
            format!("released out of order: {released:?}")
        })?;
        let mut got: BTreeMap<(u64, AccountId, PoolId), u128> = BTreeMap::new();
        for r in &released {
            ensure(r.release_at <= now && !r.amount.is_zero(), || {
                format!("released {r:?} at {now}")
            })?;
            *got.entry((r.release_at.0, r.owner, r.source)).or_default() += r.amount.0;
        }
        let mut want: BTreeMap<(u64, AccountId, PoolId), u128> = BTreeMap::new();
        for (owner, entries) in &mut m.locks {
            for &(at, source, x) in entries.iter().filter(|e| e.0 <= now.0) {
                *want.entry((at, *owner, source)).or_default() += x;
            }
            entries.retain(|e| e.0 > now.0);
        }
        m.locks.retain(|_, v| !v.is_empty());
        ensure(got == want, || {
            format!("release_due({now}) paid {got:?}, the model expects {want:?}")
        })?;
        for ((_, owner, _), x) in want {
            m.sub(LOCK_TOKEN, LOCK_POOL.into(), x);
            m.add(LOCK_TOKEN, owner.into(), x);
        }
        Ok(Ok(()))
    }

    fn forfeit(&mut self, owner: u32) -> Step {
        let m = &mut self.model;
        let owner = AccountId(owner);
        let r = match self.queue.forfeit(&mut self.ledger, owner) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)), // the caller's checks report it
        };
        let mut got: BTreeMap<PoolId, u128> = BTreeMap::new();
        for (p, x) in &r {
            ensure(got.insert(*p, x.0).is_none(), || format!("forfeit repeats {p:?}: {r:?}"))?;
        }
        got.retain(|_, x| *x > 0);
        let mut want: BTreeMap<PoolId, u128> = BTreeMap::new();
        for (_, source, x) in m.locks.remove(&owner).unwrap_or_default() {
            *want.entry(source).or_default() += x;
        }
        ensure(got == want, || {
            format!("forfeit of {owner:?} returned {got:?}, the model expects {want:?}")
        })?;
        for (p, x) in want {
            m.sub(LOCK_TOKEN, LOCK_POOL.into(), x);
            m.add(LOCK_TOKEN, p.into(), x);
        }
        Ok(Ok(()))
    }

    fn deduct(&mut self, owner: u32, amount: Amt, to: H) -> Step {
        let m = &mut self.model;
        let (owner, to) = (AccountId(owner), to.resolve());
        let locked = m.locked_of(owner);
        let asked = amount.resolve(locked);
        let take = asked.min(locked);
        let r = self.queue.deduct(&mut self.ledger, owner, Amount(asked), to);
        let expect = if take == 0 || m.known(to) { Ok(Amount(take)) } else { Err(()) };
        ensure(r.as_ref().map(|a| *a).map_err(drop) == expect, || {
            format!(
                "deduct {asked} of {locked} from {owner:?} to {to}: got {r:?}, the model expects {expect:?}"
            )
        })?;
        if r.is_ok() && take > 0 {
            // Newest first: the latest release epoch, the latest lock within it.
            let entries = m.locks.get_mut(&owner).unwrap();
            let mut order: Vec<usize> = (0..entries.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse((entries[i].0, i)));
            let mut left = take;
            for i in order {
                let t = left.min(entries[i].2);
                entries[i].2 -= t;
                left -= t;
            }
            entries.retain(|e| e.2 > 0);
            if entries.is_empty() {
                m.locks.remove(&owner);
            }
            m.sub(LOCK_TOKEN, LOCK_POOL.into(), take);
            m.add(LOCK_TOKEN, to, take);
        }
        Ok(r.map(drop))
    }

    /// Reverts to a saved checkpoint: the ledger and the queue must equal their clones from
    /// before the checkpoint; the model (not journaled) is restored from its clone.
    pub fn revert(&mut self, (cp, qcp, ledger, queue, model): Saved) -> Result<(), TestCaseError> {
        self.ledger.revert(cp);
        self.queue.revert(qcp);
        prop_assert_eq!(&self.ledger, &ledger, "revert did not restore the ledger");
        prop_assert_eq!(
            serde_json::to_string(&self.ledger).unwrap(),
            serde_json::to_string(&ledger).unwrap()
        );
        prop_assert_eq!(&self.queue, &queue, "revert did not restore the queue");
        prop_assert_eq!(
            serde_json::to_string(&self.queue).unwrap(),
            serde_json::to_string(&queue).unwrap()
        );
        self.model = model;
        Ok(())
    }

    /// Every invariant, and the ledger and queue against the model.
    pub fn check(&self, after: &Op) -> Result<(), TestCaseError> {
        let at = |v: &dyn std::fmt::Display| fail(format!("after {after:?}: {v}"));
        self.ledger.check_conservation().map_err(|v| at(&v))?;
        self.queue.check_invariants(&self.ledger).map_err(|v| at(&v))?;
        let (l, m) = (&self.ledger, &self.model);
        prop_assert_eq!(l.account_count(), m.accounts);
        prop_assert!(l.balance(TokenId(2), Holder::Account(AccountId(0))).is_err());
        for t in 0..2u16 {
            let (id, i) = (TokenId(t), usize::from(t));
            prop_assert_eq!(l.minted(id).unwrap(), Amount(m.minted[i]), "minted of {}", t);
            prop_assert_eq!(l.burned(id).unwrap(), Amount(m.burned[i]), "burned of {}", t);
            prop_assert_eq!(l.cap(id).unwrap(), Amount(CAPS[i]));
            prop_assert_eq!(l.supply(id).unwrap(), Amount(m.minted[i] - m.burned[i]));
            let supply = m.minted[i] - m.burned[i];
            prop_assert_eq!(l.reserve(id).unwrap(), Amount(CAPS[i] - supply));
            let holders = (0..ACCOUNT_SLOTS + 2)
                .map(|a| Holder::Account(AccountId(a)))
                .chain((0..=LOCK_POOL.0).map(|p| Holder::Pool(PoolId(p))))
                .chain([Holder::Pool(UNKNOWN_POOL)]);
            for h in holders {
                let b = l.balance(id, h);
                if m.known(h) {
                    prop_assert_eq!(b, Ok(Amount(m.bal(t, h))), "balance of {} in {}", h, t);
                } else {
                    prop_assert!(b.is_err(), "unknown {} has a balance: {:?}", h, b);
                }
            }
        }
        // The queue against the model's list of live locks.
        let total: u128 = m.locks.values().flatten().map(|e| e.2).sum();
        prop_assert_eq!(self.queue.total(), Amount(total), "queue total after {:?}", after);
        for a in 0..ACCOUNT_SLOTS + 2 {
            let a = AccountId(a);
            prop_assert_eq!(self.queue.locked_of(a), Amount(m.locked_of(a)), "locked of {:?}", a);
        }
        if let Some(first) = m.locks.values().flatten().map(|e| e.0).min() {
            let next = self.queue.next_release();
            prop_assert!(
                next.is_some_and(|n| n.0 <= first),
                "next_release {:?}, model {}",
                next,
                first
            );
        }
        Ok(())
    }

    /// Runs `ops`, checking everything after each; counts accepted and rejected steps by kind.
    pub fn run(&mut self, ops: &[Op], tally: &Tally) -> Result<(), TestCaseError> {
        for op in ops {
            let before = (self.ledger.clone(), self.queue.clone());
            let json = (
                serde_json::to_string(&self.ledger).unwrap(),
                serde_json::to_string(&self.queue).unwrap(),
            );
            let r = self.apply(op)?;
            tally.count(op.kind(), r.is_ok());
            if let Err(e) = r {
                // Release and forfeit have no invalid input: they must never fail.
                if matches!(op, Op::Release { .. } | Op::Forfeit { .. }) {
                    return Err(fail(format!("{op:?} failed: {e}")));
                }
                prop_assert!(
                    before == (self.ledger.clone(), self.queue.clone()),
                    "{:?} rejected ({}) but changed the ledger or the queue",
                    op,
                    e
                );
                let after = (
                    serde_json::to_string(&self.ledger).unwrap(),
                    serde_json::to_string(&self.queue).unwrap(),
                );
                prop_assert_eq!(&after, &json, "{:?} rejected ({}) but changed the JSON", op, e);
            }
            self.check(op)?;
        }
        Ok(())
    }
}
