//! How fast a Stratos epoch is, as a ratio to a plain Rust loop doing the same core work in one
//! run on one machine: never an absolute time. The network is that of
//! `scenarios/bench/stratos-lite.toml` (1,000 resource nodes with deposits of 100 to 5,000 STOS,
//! 10 meta nodes, 21 validators, one user; a 50-STOS PREPAY and 500 downloads of 1–10 GB an
//! epoch; paper rules). The reference draws the same number of nodes by deposit from an alias
//! table, adds the traffic, settles the top 80 % after a full sort, splits the traffic and
//! mining rewards 60/20/20 with exact floors and locks the node rewards for 14 days in a ring:
//! the work any exact simulator of this model must do, without Ergon's ledger, transactions,
//! staking, deposit rewards, invariants or agents.
//!
//! The test fails when the Stratos epoch takes more than [`MAX_RATIO`] times the reference's
//! time (the better of five interleaved rounds each). Run it with optimisations
//! (`cargo test --release -p ergon-stratos --test speed_ratio -- --nocapture` prints the
//! figures); without them the ratio means nothing and it is skipped.

use std::time::{Duration, Instant};

use ergon_core::dist::Dist;
use ergon_core::{AliasTable, Model, RngStreams, Seed, StreamRng};
use ergon_stratos::StratosModel;
use ergon_stratos::model::{Agents, Config};

/// The most the Stratos epoch may cost, in reference epochs.
const MAX_RATIO: f64 = 6.0;
/// Epochs per round, each side.
const EPOCHS: u64 = 1_500;

const STOS: u128 = 1_000_000_000_000_000_000;
const NOZ_PER_OZ: u64 = 1_000_000_000;

/// The agents of `scenarios/bench/stratos-lite.toml`.
fn lite() -> Agents {
    let mut a = Agents::default();
    (a.exchange, a.gas_per_tx) = (0.0, 0.0);
    let r = &mut a.resource_nodes;
    r.count = 1_000;
    r.deposit = Dist::Uniform { low: 100.0, high: 5_000.0 };
    r.capacity = Dist::constant(1e9);
    r.performance = Dist::constant(1.0);
    (r.performance_noise, r.joins_per_day, r.exits_per_year) = (0.0, 0.0, 0.0);
    r.outages_per_year = 0.0;
    r.withdraw_every_days = 3_650;
    a.meta_nodes.count = 10;
    a.meta_nodes.deposit = Dist::constant(100_000.0);
    a.validators.count = 21;
    a.validators.self_bond = Dist::constant(100_000.0);
    a.validators.commission = Dist::constant(0.05);
    a.validators.withdraw_every_days = 3_650;
    a.delegators.count = 0;
    a.delegators.withdraw_every_days = 3_650;
    let u = &mut a.users;
    (u.count, u.growth_per_year) = (1, 0.0);
    u.balance = Dist::constant(50_000_000.0);
    u.requests_per_day = Dist::constant(1.0);
    u.requests_per_epoch = Some(500);
    (u.mix.upload, u.mix.download, u.mix.query) = (0.0, 1.0, 0.0);
    u.download_size = Dist::Uniform { low: 1.0, high: 10.0 };
    u.prepay = Dist::constant(50.0);
    u.prepay_days = 0.0;
    u.prepay_per_epoch = 50.0;
    a
}

/// The plain loop: the same network's core arithmetic in flat arrays.
struct Reference {
    rng: StreamRng,
    table: AliasTable,
    bonds: Vec<u128>,
    bonded: u128,
    pending: Vec<u128>,
    with_traffic: Vec<u32>,
    order: Vec<(u128, u32)>,
    s: u128,
    p: u128,
    l: u128,
    ozone: u128,
    balances: Vec<u128>,
    meta_balance: u128,
    validator_balances: Vec<u128>,
    dust: u128,
    /// Node rewards by release epoch (mod the ring's length).
    ring: Vec<Vec<(u32, u128)>>,
    epoch: usize,
}

impl Reference {
    fn new(seed: u64) -> Reference {
        let mut rng = RngStreams::new(Seed::from_u64(seed)).stream(&[1]);
        let deposits: Vec<u128> =
            (0..1_000).map(|_| (100 + u128::from(rng.below(4_901))) * STOS).collect();
        let s = deposits.iter().sum::<u128>() + 10 * 100_000 * STOS;
        let weights: Vec<u64> = deposits.iter().map(|d| (d / 1_000_000_000) as u64).collect();
        Reference {
            table: AliasTable::new(&weights).expect("positive deposits"),
            rng,
            bonds: vec![100_000 * STOS; 21],
            bonded: 21 * 100_000 * STOS,
            pending: vec![0; 1_000],
            with_traffic: Vec::with_capacity(1_000),
            order: Vec::with_capacity(1_000),
            s,
            p: 0,
            l: s / STOS * 1_000 * u128::from(NOZ_PER_OZ),
            ozone: 0,
            balances: vec![0; 1_000],
            meta_balance: 0,
            validator_balances: vec![0; 21],
            dust: 0,
            ring: vec![Vec::new(); 2_016],
            epoch: 0,
        }
    }

    fn epoch(&mut self) {
        // The standing PREPAY.
        let x = 50 * STOS;
        let bought = self.l * x / (self.s + self.p + x);
        (self.p, self.l, self.ozone) = (self.p + x, self.l - bought, self.ozone + bought);
        // 500 downloads.
        for _ in 0..500 {
            let size = u128::from(NOZ_PER_OZ + self.rng.below(9 * NOZ_PER_OZ + 1));
            if self.ozone < size {
                continue;
            }
            self.ozone -= size;
            let i = self.table.sample(&mut self.rng);
            if self.pending[i] == 0 {
                self.with_traffic.push(i as u32);
            }
            self.pending[i] += size;
        }
        // Settlement: the top 80 % by traffic (ties by node), the rest carried.
        self.order.clear();
        self.order.extend(self.with_traffic.iter().map(|&i| (self.pending[i as usize], i)));
        self.order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let total: u128 = self.order.iter().map(|o| o.0).sum();
        let (mut y, mut k) = (0u128, 0);
        while k < self.order.len() && y * 10_000 < total * 8_000 {
            y += self.order[k].0;
            k += 1;
        }
        let r = (self.s + self.p) * y / (self.l + y);
        (self.p, self.l) = (self.p - r, self.l + y);
        self.pay(r, y, k);
        self.with_traffic.clear();
        for &(_, i) in &self.order[k..] {
            self.with_traffic.push(i);
        }
        for &(_, i) in &self.order[..k] {
            self.pending[i as usize] = 0;
        }
        self.epoch += 1;
    }

    /// The split of R and 80 STOS of mining, 60/20/20; node rewards locked, released 14 days on.
    fn pay(&mut self, r: u128, y: u128, k: usize) {
        let slot = self.epoch % self.ring.len();
        for &(i, a) in &self.ring[slot] {
            self.balances[i as usize] += a;
        }
        self.ring[slot].clear();
        for amount in [r, 80 * STOS] {
            let (resource, meta) = (amount * 6_000 / 10_000, amount * 2_000 / 10_000);
            let chain = amount - resource - meta;
            let mut paid = 0;
            for &(t, i) in &self.order[..k] {
                let share = (resource * t).checked_div(y).unwrap_or(0);
                self.ring[slot].push((i, share));
                paid += share;
            }
            let each = meta / 10;
            self.meta_balance += each * 10;
            let mut to_validators = 0;
            for (b, v) in self.bonds.iter().zip(&mut self.validator_balances) {
                let share = chain * b / self.bonded;
                *v += share;
                to_validators += share;
            }
            self.dust += resource - paid + meta - each * 10 + chain - to_validators;
        }
    }
}

/// The better of five interleaved rounds of `EPOCHS` epochs each side.
fn best_times() -> (Duration, Duration) {
    let streams = RngStreams::new(Seed::from_u64(1));
    let mut model = StratosModel::build(&Config::default(), &lite(), &streams).expect("lite");
    let mut reference = Reference::new(1);
    let (mut ergon, mut plain) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..EPOCHS {
            model.step().expect("an epoch");
        }
        ergon = ergon.min(t.elapsed());
        let t = Instant::now();
        for _ in 0..EPOCHS {
            reference.epoch();
        }
        plain = plain.min(t.elapsed());
    }
    assert!(reference.dust > 0 && reference.balances.iter().any(|&b| b > 0));
    (ergon, plain)
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a speed ratio means something only with optimisations")]
fn a_stratos_epoch_costs_at_most_max_ratio_reference_epochs() {
    let (ergon, plain) = best_times();
    let per = |d: Duration| d.as_secs_f64() * 1e6 / EPOCHS as f64;
    let ratio = ergon.as_secs_f64() / plain.as_secs_f64();
    println!(
        "Stratos epoch {:.1} µs, reference epoch {:.1} µs: {ratio:.1} × (at most {MAX_RATIO})",
        per(ergon),
        per(plain)
    );
    assert!(ratio <= MAX_RATIO, "a Stratos epoch costs {ratio:.1} reference epochs");
}
