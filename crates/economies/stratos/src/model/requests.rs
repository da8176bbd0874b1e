//! The users' requests of an epoch: each one's kind and size, the Ozone bought when a user runs
//! short, a user's consecutive downloads sent as one batch, and the refusals counted.

use ergon_core::dist::{Sampler, to_base_units};
use ergon_core::{AccountId, Amount, Error, StreamRng};

use super::StratosModel;
use super::behaviour::{stos, uniform};
use crate::error::StratosError;
use crate::params::{OZ, STOS};

/// Runs of this many sizes or more are drawn from words read at once
/// ([`StratosModel::sizes_run`]): reading them and the stream's place cost about a hundred
/// instructions, which a few sizes do not win back.
const SIZE_RUN: usize = 32;

/// The most sizes a run draws at once (the words it holds).
const SIZE_CHUNK: usize = 4_096;

impl StratosModel {
    /// One request of `user`: its kind by the mix (drawn unless the mix has one kind), its size
    /// by the kind's distribution; a PREPAY first when the user's Ozone does not cover it.
    /// Downloads wait in a batch ([`StratosModel::download`]); anything else sends the batch
    /// first.
    pub(super) fn request(&mut self, i: usize) {
        let user = self.users[i].account;
        self.flows.requests += 1;
        let mix = self.agents.users.mix;
        // A mix of one kind draws nothing: 0 falls in that kind's range, the others' being empty.
        let pick = match self.samplers.mix_total {
            None => 0.0,
            Some(total) => uniform(&mut self.rng) * total,
        };
        let replicas = self.agents.users.replicas;
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
            Kind::Download(size) => return self.download(i, size),
            Kind::Upload(s) => (s.0.saturating_mul(u128::from(replicas)), s),
            Kind::Query(s, t) => (s.0.saturating_add(u128::from(t) * crate::ops::NOZ_PER_TOUCH), s),
        };
        self.send_downloads();
        if self.econ.ozone_balance(user).0 < charge && !self.buy_ozone(i, charge) {
            return;
        }
        let result = match kind {
            Kind::Query(_, t) => self.econ.db_query(user, size, t, None).map(|(c, _)| c),
            _ => self.econ.upload(user, size, replicas, None).map(|(c, _)| c),
        };
        match result {
            Ok(c) => self.flows.ozone_used += c.0,
            Err(r) => self.refuse(&r),
        }
    }

    /// Whether every request is a download: a mix of one kind (the only share above zero, the
    /// others zero by validation), downloads — [`Self::request`] then draws no kind and picks
    /// the download.
    pub(super) fn downloads_only(&self) -> bool {
        self.samplers.mix_total.is_none() && self.agents.users.mix.download > 0.0
    }

    /// Up to `n` requests of user `i`, the only user with a rate, when every request is a
    /// download ([`Self::downloads_only`]): exactly [`Self::request`] of `i` `n` times (the
    /// user's draw takes no word of the stream, [`ChurnSampler::sole`]), the sizes added to the
    /// waiting batch in a tight loop while it is `i`'s and its Ozone covers them. Stops after a
    /// download that left `i` without a rate (it left); returns how many requests it made (at
    /// least one).
    ///
    /// [`ChurnSampler::sole`]: ergon_core::ChurnSampler::sole
    pub(super) fn sole_downloads(&mut self, i: usize, n: u64) -> u64 {
        let user = self.users[i].account;
        let mut done = 0;
        while done < n {
            if n - done >= SIZE_RUN as u64 && self.batch.user == Some(user) {
                let left = usize::try_from(n - done).unwrap_or(usize::MAX);
                done += self.sizes_run(left) as u64;
                if done == n {
                    break;
                }
            }
            let size = draw(&self.samplers.download, &mut self.rng);
            done += 1;
            let b = &mut self.batch;
            if b.user == Some(user) && b.ozone_left >= size.0 {
                b.ozone_left -= size.0;
                b.sizes.push(size);
                continue;
            }
            self.download(i, size);
            if self.rates.sole() != Some(i) {
                break;
            }
        }
        self.flows.requests += done;
        done
    }

    /// Up to `m` downloads into the waiting batch, each size drawn from one stream word (a
    /// sampler of one word a draw, [`Sampler::sample_word`]), as many as the batch's Ozone is
    /// sure to cover (each size is at most the draw of the word `2^64 − 1`, the range's top) and
    /// at most [`SIZE_CHUNK`]: the run's words read at once. None when that is fewer than
    /// [`SIZE_RUN`]. Should a size exceed what is left all the same, it stops there with the
    /// stream put back before its word, so that the general step draws it again. Returns how
    /// many joined the batch.
    fn sizes_run(&mut self, m: usize) -> usize {
        let (s, b) = (&self.samplers.download, &mut self.batch);
        let Some(top) = s.sample_word(u64::MAX).map(noz) else { return 0 };
        let covered = |k: usize| top.checked_mul(k as u128).is_some_and(|c| c <= b.ozone_left);
        if !covered(SIZE_RUN) {
            return 0;
        }
        let mut m = m.min(SIZE_CHUNK);
        if !covered(m) {
            m = (b.ozone_left / top) as usize; // in SIZE_RUN..m: fits
        }
        if b.words.len() < m {
            b.words.resize(m, 0);
        }
        let words = &mut b.words[..m];
        let start = self.rng.word_pos();
        self.rng.fill_u64(words);
        b.sizes.reserve(m);
        let mut left = b.ozone_left;
        for (k, &x) in words.iter().enumerate() {
            let size = s.sample_word(x).map_or(u128::MAX, noz);
            if size > left {
                self.rng.set_word_pos(start + 2 * k as u128);
                b.ozone_left = left;
                return k;
            }
            left -= size;
            b.sizes.push(Amount(size));
        }
        b.ozone_left = left;
        m
    }

    /// A download of `size` by user `i`: into the waiting batch when it is the same user's and
    /// its Ozone covers it; else the batch goes, the user buys Ozone if short, and a new batch
    /// starts (or, still short, the download is refused).
    fn download(&mut self, i: usize, size: Amount) {
        let user = self.users[i].account;
        let b = &mut self.batch;
        if b.user == Some(user) && b.ozone_left >= size.0 {
            b.ozone_left -= size.0;
            b.sizes.push(size);
            return;
        }
        self.send_downloads();
        if self.econ.ozone_balance(user) < size && !self.buy_ozone(i, size.0) {
            return;
        }
        // A PREPAY capped by the user's STOS may still leave it short: refused for want of Ozone.
        let Some(left) = self.econ.ozone_balance(user).0.checked_sub(size.0) else {
            self.flows.refused_no_ozone += 1;
            return;
        };
        let b = &mut self.batch;
        b.user = Some(user);
        b.ozone_left = left;
        b.sizes.push(size);
    }

    /// Sends the waiting downloads as one batch; should it be refused (no node takes tasks),
    /// one by one, each refusal counted.
    pub(super) fn send_downloads(&mut self) {
        let Some(user) = self.batch.user.take() else { return };
        let sizes = std::mem::take(&mut self.batch.sizes);
        match self.econ.downloads(user, &sizes) {
            Ok(charge) => self.flows.ozone_used += charge.0,
            Err(_) => {
                for &size in &sizes {
                    match self.econ.download(user, size, None) {
                        Ok(_) => self.flows.ozone_used += size.0,
                        Err(r) => self.refuse(&r),
                    }
                }
            }
        }
        self.batch.sizes = sizes;
        self.batch.sizes.clear();
    }

    /// User `i`'s PREPAY before a request of `charge` noz: at today's price, the larger of the
    /// shortfall (with 5% room), the user's expected use of `prepay_days` days (its rate × a
    /// request's expected charge, plus `prepay_buffer`) and the scenario's usual `prepay`.
    /// A user without STOS for it buys a new balance from the exchange (with probability
    /// `topup_share`) and tries once more, or leaves: its rate drops to 0.
    fn buy_ozone(&mut self, i: usize, charge: u128) -> bool {
        let user = self.users[i].account;
        let short = charge - self.econ.ozone_balance(user).0;
        let price =
            self.econ.market().price_wei_per_oz(self.econ.volume_pool()).unwrap_or_default();
        let u = &self.agents.users;
        let mut oz = (short as f64 / OZ as f64) * 1.05;
        if u.prepay_days > 0.0 {
            let per_day = self.rates.get(i) as f64 / 1e6;
            oz = oz.max(per_day * self.mean_charge_oz * u.prepay_days * (1.0 + u.prepay_buffer));
        }
        let needed = oz * price.0 as f64;
        let usual = self.samplers.prepay.sample(&mut self.rng) * STOS as f64;
        let x = Amount(needed.max(usual).min(u128::MAX as f64) as u128);
        if self.spendable(user) == 0 && !self.top_up(i) {
            return false;
        }
        self.prepay_up_to(user, x, true)
    }

    /// `user`'s STOS less the gas of one transaction, wei.
    fn spendable(&self, user: AccountId) -> u128 {
        self.econ.stos_balance(user).0.saturating_sub(stos(self.agents.gas_per_tx).0)
    }

    /// User `i`, out of STOS: with probability `topup_share` it buys a new balance from the
    /// exchange (whether it could); else it leaves.
    fn top_up(&mut self, i: usize) -> bool {
        let user = self.users[i].account;
        if uniform(&mut self.rng) < self.agents.users.topup_share {
            let balance = stos(self.samplers.balance.sample(&mut self.rng));
            if !balance.is_zero()
                && self.econ.stos_balance(self.exchange) >= balance
                && self.econ.transfer_stos(self.exchange, user, balance).is_ok()
            {
                self.flows.user_top_ups += 1;
                return true;
            }
            self.flows.refused_no_funds += 1;
            return false;
        }
        self.rates.zero(i);
        self.flows.users_left += 1;
        self.flows.refused_no_funds += 1;
        false
    }

    /// A PREPAY by `user` of `x` wei capped at its STOS less gas (refused for want of funds
    /// when that leaves nothing). Whether it bought Ozone. A refusal counts among the requests
    /// refused when the PREPAY serves a request (`for_request`), not when it stands alone (the
    /// users' PREPAY an epoch, the whale's).
    pub(super) fn prepay_up_to(&mut self, user: AccountId, x: Amount, for_request: bool) -> bool {
        let gas = stos(self.agents.gas_per_tx);
        let room = self.econ.stos_balance(user).0.saturating_sub(gas.0);
        let x = x.0.min(room);
        if x == 0 {
            if for_request {
                self.flows.refused_no_funds += 1;
            }
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
                if for_request {
                    self.refuse(&r);
                }
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

/// A request's size drawn from `s`, in noz: at least 1.
#[inline(always)]
fn draw(s: &Sampler, rng: &mut StreamRng) -> Amount {
    Amount(noz(s.sample(rng)))
}

/// A drawn size of `oz` Oz in noz, at least one.
fn noz(oz: f64) -> u128 {
    to_base_units(oz, 9).max(1)
}

#[cfg(test)]
mod tests {
    use ergon_core::dist::Dist;
    use ergon_core::{Model, RngStreams, Seed};

    use super::StratosModel;
    use crate::model::{Agents, Config};

    /// Users sending downloads (and uploads, a share `upload` of the mix), short of STOS (so
    /// that they buy Ozone, top up or leave mid-epoch), `users` at genesis and `growth` new
    /// users a year.
    fn agents(users: u64, growth: f64, topup_share: f64, upload: f64) -> Agents {
        let mut a = Agents::default();
        a.resource_nodes.count = 20;
        a.meta_nodes.count = 2;
        a.validators.count = 3;
        a.delegators.count = 0;
        let u = &mut a.users;
        u.count = users;
        u.growth_per_year = growth;
        u.requests_per_epoch = Some(40);
        u.mix.upload = upload;
        u.mix.query = 0.0;
        u.mix.download = 1.0;
        u.balance = Dist::Uniform { low: 2.0, high: 6.0 };
        u.download_size = Dist::Uniform { low: 1.0, high: 10.0 };
        u.prepay_days = 0.0;
        u.topup_share = topup_share;
        u.prepay = Dist::constant(0.5);
        a
    }

    /// The same run with and without the run of downloads of a sole user: the same state, to
    /// the byte, every 25 epochs and at the end — through PREPAYs, top-ups, a user leaving and
    /// users joining.
    #[test]
    fn sole_downloads_equal_requests_one_by_one() {
        let config: Config =
            serde_json::from_value(serde_json::json!({"profile": "paper"})).expect("a config");
        let cases = [(1, 0.0, 0.0), (1, 0.0, 1.0), (1, 100.0, 1.0), (3, 0.0, 0.3), (1, 0.0, 1.0)];
        for (case, (users, growth, topup)) in cases.into_iter().enumerate() {
            // The last case mixes uploads in: no run (its requests draw their kind).
            let upload = if case == 4 { 0.3 } else { 0.0 };
            let a = agents(users, growth, topup, upload);
            StratosModel::validate(&config, &a).expect("valid agents");
            let streams = RngStreams::new(Seed::from_u64(5));
            let mut fast = StratosModel::build(&config, &a, &streams).expect("a genesis");
            let mut plain = StratosModel::build(&config, &a, &streams).expect("a genesis");
            plain.one_by_one = true;
            let mut runs = 0;
            for epoch in 1..=1_000 {
                runs += u32::from(fast.rates.positive_count() == 1);
                fast.step().expect("an epoch");
                plain.step().expect("an epoch");
                if epoch % 25 == 0 {
                    let (x, y) = (serde_json::to_string(&fast), serde_json::to_string(&plain));
                    assert_eq!(x.ok(), y.ok(), "{users} users: the states part by epoch {epoch}");
                }
            }
            let f = &fast.flows;
            assert_eq!(f.requests, plain.flows.requests);
            assert!(f.prepays > 3, "{users} users: {} PREPAYs", f.prepays);
            match (users, topup, growth > 0.0) {
                _ if upload > 0.0 => assert!(runs == 1_000 && f.user_top_ups > 3, "{runs} runs"),
                (1, 0.0, _) => assert_eq!((runs, f.users_left), (21, 1), "the user leaves"),
                // Runs while the user is alone: every epoch, or until the first one joins.
                (1, _, false) => assert!(runs == 1_000 && f.user_top_ups > 3, "{runs} runs"),
                (1, _, true) => assert!(runs > 100 && runs < 1_000 && f.users_joined > 0),
                // Alone once the others have left.
                _ => assert!(runs > 0 && f.users_left >= 2, "{runs} runs"),
            }
        }
    }
}
