//! The users' requests of an epoch: each one's kind and size, the Ozone bought when a user runs
//! short, a user's consecutive downloads sent as one batch, and the refusals counted.

use ergon_core::dist::to_base_units;
use ergon_core::{AccountId, Amount, Error, StreamRng};

use super::StratosModel;
use super::behaviour::{stos, uniform};
use crate::error::StratosError;
use crate::params::{OZ, STOS};

impl StratosModel {
    /// One request of `user`: its kind by the mix (drawn unless the mix has one kind), its size
    /// by the kind's distribution; a PREPAY first when the user's Ozone does not cover it.
    /// Downloads wait in a batch ([`StratosModel::download`]); anything else sends the batch
    /// first.
    pub(super) fn request(&mut self, user: AccountId) {
        self.flows.requests += 1;
        let mix = self.agents.users.mix;
        // A mix of one kind draws nothing: 0 falls in that kind's range, the others' being empty.
        let kinds = [mix.upload, mix.download, mix.query];
        let pick = if kinds.iter().filter(|&&w| w > 0.0).count() == 1 {
            0.0
        } else {
            uniform(&mut self.rng) * (mix.upload + mix.download + mix.query)
        };
        let replicas = self.agents.users.replicas;
        let draw = |s: &ergon_core::dist::Sampler, rng: &mut StreamRng| {
            Amount(to_base_units(s.sample(rng), 9).max(1))
        };
        enum Kind {
            Upload(Amount),
            Download(Amount),
            Query(Amount, u64),
        }
        let kind = if pick < mix.upload {
            Kind::Upload(draw(&self.samplers.upload, &mut self.rng))
        } else if pick < mix.upload + mix.download {
            Kind::Download(draw(&self.samplers.download, &mut self.rng))
        } else {
            let size = draw(&self.samplers.query, &mut self.rng);
            let touches = self.samplers.touches.sample(&mut self.rng).round() as u64;
            Kind::Query(size, touches)
        };
        let (charge, size) = match kind {
            Kind::Download(size) => return self.download(user, size),
            Kind::Upload(s) => (s.0.saturating_mul(u128::from(replicas)), s),
            Kind::Query(s, t) => (s.0.saturating_add(u128::from(t) * crate::ops::NOZ_PER_TOUCH), s),
        };
        self.send_downloads();
        if self.econ.ozone_balance(user).0 < charge && !self.buy_ozone(user, charge) {
            return;
        }
        let result = match kind {
            Kind::Query(_, t) => self.econ.db_query(user, size, t, None).map(|_| ()),
            _ => self.econ.upload(user, size, replicas, None).map(|_| ()),
        };
        if let Err(r) = result {
            self.refuse(&r);
        }
    }

    /// A download of `size` by `user`: into the waiting batch when it is the same user's and
    /// its Ozone covers it; else the batch goes, the user buys Ozone if short, and a new batch
    /// starts.
    fn download(&mut self, user: AccountId, size: Amount) {
        let b = &mut self.batch;
        if b.user == Some(user) && b.ozone_left >= size.0 {
            b.ozone_left -= size.0;
            b.sizes.push(size);
            return;
        }
        self.send_downloads();
        if self.econ.ozone_balance(user) < size && !self.buy_ozone(user, size.0) {
            return;
        }
        let b = &mut self.batch;
        b.user = Some(user);
        b.ozone_left = self.econ.ozone_balance(user).0 - size.0;
        b.sizes.push(size);
    }

    /// Sends the waiting downloads as one batch; should it be refused (no node takes tasks),
    /// one by one, each refusal counted.
    pub(super) fn send_downloads(&mut self) {
        let Some(user) = self.batch.user.take() else { return };
        let sizes = std::mem::take(&mut self.batch.sizes);
        if self.econ.downloads(user, &sizes).is_err() {
            for &size in &sizes {
                if let Err(r) = self.econ.download(user, size, None) {
                    self.refuse(&r);
                }
            }
        }
        self.batch.sizes = sizes;
        self.batch.sizes.clear();
    }

    /// A PREPAY covering at least the shortfall at today's price (with 5% room), of the
    /// scenario's usual size.
    fn buy_ozone(&mut self, user: AccountId, charge: u128) -> bool {
        let short = charge - self.econ.ozone_balance(user).0;
        let price =
            self.econ.market().price_wei_per_oz(self.econ.volume_pool()).unwrap_or_default();
        let needed = (short as f64 / OZ as f64) * price.0 as f64 * 1.05;
        let usual = self.samplers.prepay.sample(&mut self.rng) * STOS as f64;
        self.prepay_up_to(user, Amount(needed.max(usual).min(u128::MAX as f64) as u128))
    }

    /// A PREPAY by `user` of `x` wei capped at its STOS less gas (refused for want of funds
    /// when that leaves nothing). Whether it bought Ozone.
    pub(super) fn prepay_up_to(&mut self, user: AccountId, x: Amount) -> bool {
        let gas = stos(self.agents.gas_per_tx);
        let room = self.econ.stos_balance(user).0.saturating_sub(gas.0);
        let x = x.0.min(room);
        if x == 0 {
            self.flows.refused_no_funds += 1;
            return false;
        }
        match self.econ.prepay(user, user, Amount(x)) {
            Ok(p) => {
                self.flows.prepays += 1;
                self.flows.ozone_bought += p.bought.0;
                self.gas(user);
                true
            }
            Err(r) => {
                self.refuse(&r);
                false
            }
        }
    }

    fn refuse(&mut self, r: &StratosError) {
        match r {
            StratosError::InsufficientOzone { .. } => self.flows.refused_no_ozone += 1,
            StratosError::NoCapacity { .. } => self.flows.refused_no_capacity += 1,
            StratosError::Core(Error::InsufficientBalance { .. }) => {
                self.flows.refused_no_funds += 1;
            }
            _ => self.flows.refused_other += 1,
        }
    }
}
