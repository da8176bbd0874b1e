//! The Ozone market (seed §1.1–1.2, §4.3–4.4): the constant product `(S + P) · L` that prices
//! Ozone in STOS.
//!
//! - `S` — deposit term. paper: the genesis deposit of all nodes, constant. mainnet: the
//!   active nodes' effective deposits plus what the chain leaves in S once it stops being
//!   effective ([`OzoneMarket::s_kept`]).
//! - `P` — the volume pool: prepaid STOS not yet paid out as traffic rewards (the balance of the
//!   ledger's `volume_pool`, passed in by the caller).
//! - `L` — the remaining Ozone limit, in noz.
//!
//! Units: S and P in wei, L and Ozone in noz; the price is wei per noz. paper: every division
//! floors (the protocol keeps the remainder). mainnet: PREPAY and deposits go through the chain's
//! `LegacyDec` formulas of [`crate::mainnet`]; the traffic reward of mainnet is computed there too
//! (by [`crate::epoch`]).

use ergon_core::arith::{Rounding, mul_div};
use ergon_core::txn::Transactional;
use ergon_core::{Amount, Dec, Error};
use serde::Serialize;

use crate::mainnet;
use crate::params::Profile;

/// The Ozone market's state besides the volume pool. Its fields change only through its
/// methods, each all-or-nothing; as part of a transaction it is saved whole (five numbers).
///
/// Its books: `sold` is the Ozone PREPAYs minted; `settled` the traffic settled (each
/// settlement returns its Y to L); `reported` the part of `settled` that mainnet volume
/// reports settled without anyone having bought it (the chain settles what the meta nodes
/// report); `dropped` (paper) the traffic consumed and never settled because its node shut
/// down. So the Ozone consumed (burned by requests) is `settled − reported + dropped` plus the
/// traffic still pending, and the Ozone still out — sold, not yet consumed and settled, which
/// returns to L at settlement — is `sold − (settled − reported) − dropped`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct OzoneMarket {
    /// Deposit term `S`, wei.
    s: Amount,
    /// Remaining Ozone limit `L`, noz.
    l: Amount,
    /// Ozone sold to users so far, noz.
    sold: Amount,
    /// Ozone settled (consumed and sold back, or reported) so far, noz.
    settled: Amount,
    /// Of it, settled by volume reports without having been bought, noz.
    reported: Amount,
    /// paper: traffic consumed (burned) and never settled, because its node shut down, noz.
    dropped: Amount,
    /// mainnet: the part of `S` that no effective deposit holds any more, wei — deposits the
    /// chain leaves in S when they stop being effective: an unregistered resource node's
    /// (`UnbondResourceNode` moves neither S nor L) and an effective deposit lowered when L
    /// could not give up its Ozone (`UpdateEffectiveDeposit` then moves neither). So S is the
    /// active effective deposits plus this.
    kept: Amount,
}

impl Transactional for OzoneMarket {
    type Checkpoint = OzoneMarket;
    fn checkpoint(&mut self) -> OzoneMarket {
        *self
    }
    fn commit(&mut self, _cp: OzoneMarket) {}
    fn revert(&mut self, cp: OzoneMarket) {
        *self = cp;
    }
}

impl OzoneMarket {
    /// The market at genesis: deposit term `s` wei, Ozone limit `l` noz, nothing sold.
    #[must_use]
    pub fn new(s: Amount, l: Amount) -> OzoneMarket {
        OzoneMarket { s, l, ..OzoneMarket::default() }
    }

    /// Deposit term `S`, wei.
    #[must_use]
    pub fn s(&self) -> Amount {
        self.s
    }

    /// mainnet: the part of `S` no effective deposit holds (see the field), wei.
    #[must_use]
    pub fn s_kept(&self) -> Amount {
        self.kept
    }

    /// mainnet: `z` wei of effective deposit stops being effective and stays in S (neither S
    /// nor L moves, as on the chain): counted in [`OzoneMarket::s_kept`].
    pub fn keep_deposit_mainnet(&mut self, z: Amount) -> Result<(), Error> {
        self.kept = self.kept.checked_add(z)?;
        Ok(())
    }

    /// mainnet: an active node's effective deposit lowered by `z` wei (the chain's
    /// `UpdateEffectiveDeposit`): S and L move as [`OzoneMarket::remove_deposit_mainnet`] when
    /// `IsUnbondable`; otherwise neither moves and `z` stays in S
    /// ([`OzoneMarket::keep_deposit_mainnet`]).
    pub fn lower_effective_mainnet(&mut self, z: Amount, rate: Dec) -> Result<(), Error> {
        if mainnet::is_unbondable(self.l, z, rate)? {
            self.remove_deposit_mainnet(z, rate).map(|_| ())
        } else {
            self.keep_deposit_mainnet(z)
        }
    }

    /// Remaining Ozone limit `L`, noz.
    #[must_use]
    pub fn l(&self) -> Amount {
        self.l
    }

    /// Ozone sold to users so far, noz.
    #[must_use]
    pub fn sold(&self) -> Amount {
        self.sold
    }

    /// Ozone settled (consumed and sold back, or reported) so far, noz.
    #[must_use]
    pub fn settled(&self) -> Amount {
        self.settled
    }

    /// Ozone settled by volume reports without having been bought, noz.
    #[must_use]
    pub fn reported(&self) -> Amount {
        self.reported
    }

    /// paper: traffic dropped, never to be settled (its node shut down), noz.
    #[must_use]
    pub fn dropped(&self) -> Amount {
        self.dropped
    }

    /// paper: `y` noz of traffic whose node shut down are dropped: consumed, never settled, so
    /// they never return to L.
    pub fn add_dropped(&mut self, y: Amount) -> Result<(), Error> {
        self.dropped = self.dropped.checked_add(y)?;
        Ok(())
    }

    /// A volume report settled `y` noz that nobody bought (after [`OzoneMarket::apply_settlement`]
    /// of it).
    pub fn add_reported(&mut self, y: Amount) -> Result<(), Error> {
        self.reported = self.reported.checked_add(y)?;
        Ok(())
    }

    /// mainnet: a deposit of `z` wei joins the effective total (S += Z).
    pub fn add_deposit_term(&mut self, z: Amount) -> Result<(), Error> {
        self.s = self.s.checked_add(z)?;
        Ok(())
    }

    /// Lowers the Ozone limit by `delta` (paper: a deposit leaves); refused below zero.
    pub fn lower_limit(&mut self, delta: Amount) -> Result<(), Error> {
        self.l = self.l.checked_sub(delta)?;
        Ok(())
    }

    /// mainnet: a deposit of `z` wei leaves the effective total: S −= Z, and L falls as the
    /// chain's `DecreaseOzoneLimitBySubtractDeposit`, `TruncateInt(Dec(L) − Dec(Z)/rate)`, when
    /// `IsUnbondable` (L ≥ Z/rate, compared as decimals); otherwise L stays where the chain's
    /// suspension (which calls it without the check) would fall below zero, to
    /// `TruncateInt(Dec(Z)/rate)` below this L ([`mainnet::limit_below_zero`]). Returns that part
    /// not taken (zero when L fell). Changes nothing when it fails.
    pub fn remove_deposit_mainnet(&mut self, z: Amount, rate: Dec) -> Result<Amount, Error> {
        let s = self.s.checked_sub(z)?;
        let (l, not_taken) = if mainnet::is_unbondable(self.l, z, rate)? {
            (mainnet::limit_after_withdrawal(self.s, self.l, z, rate)?, Amount::ZERO)
        } else {
            (self.l, mainnet::limit_below_zero(z, rate)?)
        };
        (self.s, self.l) = (s, l);
        Ok(not_taken)
    }

    /// mainnet: `z` wei of deposit kept in S by an unregistering node
    /// ([`OzoneMarket::keep_deposit_mainnet`]) suspended by a slash: it leaves S and L as any
    /// suspension ([`OzoneMarket::remove_deposit_mainnet`], whose debt it returns).
    pub fn suspend_kept_mainnet(&mut self, z: Amount, rate: Dec) -> Result<Amount, Error> {
        let kept = self.kept.checked_sub(z)?;
        let debt = self.remove_deposit_mainnet(z, rate)?;
        self.kept = kept;
        Ok(debt)
    }

    /// mainnet: a suspended node's effective deposit of `z` wei comes back (the chain's
    /// `IncreaseOzoneLimitByAddDeposit`): S += Z and L becomes the chain's
    /// `TruncateInt(Dec(L − debt) + Dec(Z)/rate)` (unchanged when S was zero), its L standing
    /// `debt` lower, what the suspension did not take
    /// ([`OzoneMarket::remove_deposit_mainnet`]; [`mainnet::limit_after_deposit_with_debt`]).
    /// Returns the debt still owed: all of it when S was zero (the chain's L does not move),
    /// how far the chain's L stays below zero otherwise (here L is then zero).
    pub fn reinstate_deposit_mainnet(
        &mut self,
        z: Amount,
        rate: Dec,
        debt: Amount,
    ) -> Result<Amount, Error> {
        let s = self.s.checked_add(z)?;
        let (l, owed) = mainnet::limit_after_deposit_with_debt(self.s, self.l, z, rate, debt)?;
        (self.s, self.l) = (s, l);
        Ok(owed)
    }

    /// Ozone bought by a PREPAY of `x` wei with volume pool `p`: ⌊L·X / (S + P + X)⌋ noz.
    pub fn prepay_quote(&self, p: Amount, x: Amount) -> Result<Amount, Error> {
        let denom = self.s.checked_add(p)?.checked_add(x)?;
        Ok(Amount(mul_div(self.l.0, x.0, denom.0, Rounding::Down)?))
    }

    /// Ozone bought by a PREPAY of `x` wei with volume pool `p` under `profile`: paper,
    /// [`OzoneMarket::prepay_quote`]; mainnet, the chain's
    /// `TruncateInt(Dec(L)·Dec(X) / Dec(S + P + X))` ([`mainnet::prepay_noz`]), which can be one
    /// noz above the exact floor.
    pub fn prepay_quote_for(
        &self,
        profile: Profile,
        p: Amount,
        x: Amount,
    ) -> Result<Amount, Error> {
        match profile {
            Profile::Paper => self.prepay_quote(p, x),
            Profile::Mainnet => mainnet::prepay_noz(self.s, p, self.l, x),
        }
    }

    /// Applies a PREPAY that bought `bought` noz (L −= bought).
    pub fn apply_prepay(&mut self, bought: Amount) -> Result<(), Error> {
        let (l, sold) = (self.l.checked_sub(bought)?, self.sold.checked_add(bought)?);
        (self.l, self.sold) = (l, sold);
        Ok(())
    }

    /// Raises the Ozone limit by `delta` (a deposit). Refused when the new limit plus the
    /// Ozone still out (sold, not yet consumed and settled: it returns to L at settlement)
    /// would not fit in 128 bits, so a later settlement of it can never overflow.
    pub fn raise_limit(&mut self, delta: Amount) -> Result<(), Error> {
        let l = self.l.checked_add(delta)?;
        let out = (self.sold.checked_add(self.reported)?.checked_sub(self.settled)?)
            .checked_sub(self.dropped)?;
        l.checked_add(out)?;
        self.l = l;
        Ok(())
    }

    /// The traffic reward of settling `y` noz with volume pool `p`: ⌊(S + P)·Y / (L + Y)⌋ wei.
    pub fn traffic_reward(&self, p: Amount, y: Amount) -> Result<Amount, Error> {
        if y.is_zero() {
            return Ok(Amount::ZERO);
        }
        let num = self.s.checked_add(p)?;
        let denom = self.l.checked_add(y)?;
        Ok(Amount(mul_div(num.0, y.0, denom.0, Rounding::Down)?))
    }

    /// Applies a settlement of `y` noz (L += Y).
    pub fn apply_settlement(&mut self, y: Amount) -> Result<(), Error> {
        self.l = self.l.checked_add(y)?;
        self.settled = self.settled.checked_add(y)?;
        Ok(())
    }

    /// The Ozone limit a deposit of `z` wei adds. paper: ⌊L·Z / S⌋ (S unchanged). mainnet: the
    /// chain's `TruncateInt(Dec(L) + Dec(Z)/rate) − L` ([`mainnet::limit_after_deposit`]), and
    /// none when S (before the deposit) is zero.
    pub fn deposit_limit_delta(
        &self,
        profile: Profile,
        z: Amount,
        rate: u128,
    ) -> Result<Amount, Error> {
        match profile {
            Profile::Paper => {
                if self.s.is_zero() {
                    return Err(Error::DivisionByZero { op: "paper deposit: L·Z/S with S = 0" });
                }
                Ok(Amount(mul_div(self.l.0, z.0, self.s.0, Rounding::Down)?))
            }
            Profile::Mainnet => {
                let rate = mainnet::deposit_rate(rate.max(1));
                mainnet::limit_after_deposit(self.s, self.l, z, rate)?.checked_sub(self.l)
            }
        }
    }

    /// paper: the Ozone limit the exit of a node that deposited `z` wei takes (seed §4.4):
    /// ⌊L·Z / S⌋ when Z < S. The seed's formula would take all of L or more when Z ≥ S, so the
    /// node could never leave; then the exit undoes the scale of an activation instead,
    /// ⌊L·Z / (S + Z)⌋ (an activation multiplies L by (S + Z)/S), and at least half of L stays.
    /// Either way L keeps at least 1 noz when it has any, and every node can leave.
    pub fn exit_limit_delta_paper(&self, z: Amount) -> Result<Amount, Error> {
        if self.s.is_zero() {
            return Err(Error::DivisionByZero { op: "paper exit: L·Z/S with S = 0" });
        }
        let den = if z < self.s { self.s } else { self.s.checked_add(z)? };
        self.limit_share(z, den)
    }

    /// `⌊L·Z / den⌋` (0 when `den` is 0).
    fn limit_share(&self, z: Amount, den: Amount) -> Result<Amount, Error> {
        if den.is_zero() {
            return Ok(Amount::ZERO);
        }
        Ok(Amount(mul_div(self.l.0, z.0, den.0, Rounding::Down)?))
    }

    /// paper: the Ozone limit a meta-node candidate's deposit `z` takes back when the
    /// candidate is refused: ⌊L·Z / (S + Z)⌋, the inverse of the raise at its registration (L
    /// was multiplied by (S + Z)/S), so a refused candidate leaves L as it found it (within a
    /// floor), whatever Z.
    pub fn refusal_limit_delta_paper(&self, z: Amount) -> Result<Amount, Error> {
        self.limit_share(z, self.s.checked_add(z)?)
    }

    /// The price now in wei per Oz: ⌊(S + P)·10^9 / L⌋ (None when L is zero).
    pub fn price_wei_per_oz(&self, p: Amount) -> Option<Amount> {
        let num = self.s.checked_add(p).ok()?;
        mul_div(num.0, crate::params::OZ, self.l.0, Rounding::Down).ok().map(Amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10^6 wei a noz, as the chain's default `DepositNozRate`.
    fn rate() -> Dec {
        mainnet::deposit_rate(1_000_000)
    }

    #[test]
    fn a_suspension_that_cannot_lower_l_is_given_back_to_the_unit() {
        // S = 4,000 STOS, L = 2,666,666,666,666,667 noz; Z = 3,000 STOS: Z/rate = 3·10^15 > L.
        let mut m = OzoneMarket::new(Amount(4000 * 10u128.pow(18)), Amount(2_666_666_666_666_667));
        let z = Amount(3000 * 10u128.pow(18));
        let debt = m.remove_deposit_mainnet(z, rate()).unwrap();
        assert_eq!(
            (m.s(), m.l(), debt),
            (Amount(10u128.pow(21)), Amount(2_666_666_666_666_667), Amount(3 * 10u128.pow(15)))
        );
        // Back: TruncateInt(L + 3·10^15) − 3·10^15 = L, nothing owed.
        assert_eq!(m.reinstate_deposit_mainnet(z, rate(), debt).unwrap(), Amount::ZERO);
        assert_eq!((m.s(), m.l()), (Amount(4000 * 10u128.pow(18)), Amount(2_666_666_666_666_667)));
        // A lowerable suspension owes nothing: L − ⌈Z/rate⌉ for a fractional Z/rate.
        let mut m = OzoneMarket::new(Amount(10u128.pow(22)), Amount(10u128.pow(16)));
        assert_eq!(m.remove_deposit_mainnet(Amount(1_500_001), rate()).unwrap(), Amount::ZERO);
        assert_eq!(m.l(), Amount(10u128.pow(16) - 2));
    }

    #[test]
    fn a_reinstatement_owes_what_l_cannot_give() {
        // S was zero: the chain's L does not move, the whole debt stays owed.
        let mut m = OzoneMarket::new(Amount::ZERO, Amount(50));
        let owed = m.reinstate_deposit_mainnet(Amount(10_000_000), rate(), Amount(80)).unwrap();
        assert_eq!((m.s(), m.l(), owed), (Amount(10_000_000), Amount(50), Amount(80)));
        // L + Z/rate = 50 + 10 = 60 < a debt of 80: L is 0 (the chain's −20), 20 still owed.
        let mut m = OzoneMarket::new(Amount(1), Amount(50));
        let owed = m.reinstate_deposit_mainnet(Amount(10_000_000), rate(), Amount(80)).unwrap();
        assert_eq!((m.s(), m.l(), owed), (Amount(10_000_001), Amount::ZERO, Amount(20)));
        // Z/rate = 10.5: the chain's L is TruncateInt(50 − 80 + 10.5) = TruncateInt(−19.5) = −19
        // (toward zero), so 19 is owed, not 20.
        let mut m = OzoneMarket::new(Amount(1), Amount(50));
        let owed = m.reinstate_deposit_mainnet(Amount(10_500_000), rate(), Amount(80)).unwrap();
        assert_eq!((m.l(), owed), (Amount::ZERO, Amount(19)));
        // ⌈a⌉ = the debt: the chain's L is TruncateInt(79.5 − 80) = 0, nothing owed.
        let mut m = OzoneMarket::new(Amount(1), Amount(69));
        let owed = m.reinstate_deposit_mainnet(Amount(10_500_000), rate(), Amount(80)).unwrap();
        assert_eq!((m.l(), owed), (Amount::ZERO, Amount::ZERO));
    }
}
