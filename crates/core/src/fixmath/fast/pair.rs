//! Two relayers' rewards side by side ([`CobbDouglas::rewards_cached_pair`]): each step of the
//! first estimate (`ln` of the tickets, `y`, `k·ln 2`, `exp`) taken for both before the next, so
//! that the two chains of dependent products overlap in the processor instead of following each
//! other. The results are those of [`CobbDouglas::rewards_cached`] for each.

use super::{CobbDouglas, F, LnCache, quick, split_ln2, tables};
use crate::amount::Amount;
use crate::error::Result;

impl CobbDouglas {
    /// [`CobbDouglas::rewards_cached`] of two relayers at once (`r[k]`, `s[k]`, slot
    /// `slots[k]`): the same results, in the same order of errors (the first relayer's first),
    /// with the two relayers' estimates computed step by step side by side, so that each step of
    /// one overlaps the other's. A relayer's estimate is one chain of dependent products whose
    /// latency, not its instruction count, bounds its time (docs/PERFORMANCE.md, "Marlin").
    pub fn rewards_cached_pair<const N: usize>(
        &self,
        totals: [Amount; N],
        r: [Amount; 2],
        s: [Amount; 2],
        cache: &mut LnCache,
        slots: [usize; 2],
    ) -> Result<[[Amount; N]; 2]> {
        self.rewards_pair_by(totals, r, s, |k, x| cache.ln(slots[k], x))
    }

    /// [`CobbDouglas::rewards_cached_pair`] reading `cache` only, as
    /// [`CobbDouglas::rewards_read_cached`]: the same results.
    pub fn rewards_read_cached_pair<const N: usize>(
        &self,
        totals: [Amount; N],
        r: [Amount; 2],
        s: [Amount; 2],
        cache: &LnCache,
        slots: [usize; 2],
    ) -> Result<[[Amount; N]; 2]> {
        self.rewards_pair_by(totals, r, s, |k, x| cache.read(slots[k], x))
    }

    /// The two relayers' rewards, `ln s` of relayer `k` from `ln_s(k, s)`: side by side when
    /// both take the estimates' path, else one after the other.
    #[inline(always)]
    fn rewards_pair_by<const N: usize>(
        &self,
        totals: [Amount; N],
        r: [Amount; 2],
        s: [Amount; 2],
        mut ln_s: impl FnMut(usize, u128) -> u128,
    ) -> Result<[[Amount; N]; 2]> {
        if !(self.plain(r[0], s[0]) && self.plain(r[1], s[1])) {
            let first = self.rewards_ln(totals, r[0], s[0], |x| ln_s(0, x))?;
            return Ok([first, self.rewards_ln(totals, r[1], s[1], |x| ln_s(1, x))?]);
        }
        let ln = [ln_s(0, s[0].0), ln_s(1, s[1].0)];
        let quick = self.factor_quick_pair([r[0].0, r[1].0], ln);
        let first = self.decide_all(totals, r[0], s[0], ln[0], quick[0])?;
        Ok([first, self.decide_all(totals, r[1], s[1], ln[1], quick[1])?])
    }

    /// [`CobbDouglas::factor_quick`] of two relayers, each step of both side by side.
    #[inline(always)]
    fn factor_quick_pair(&self, r: [u128; 2], ln_s: [u128; 2]) -> [Option<(u128, usize)>; 2] {
        let t = tables();
        let ln_r = [quick::ln_int(r[0], t), quick::ln_int(r[1], t)];
        let y = [self.exponent(ln_r[0], ln_s[0]), self.exponent(ln_r[1], ln_s[1])];
        let (s0, s1) = (split_ln2(y[0]), split_ln2(y[1]));
        // Written out, not by `map`: a closure called once a lane would run the lanes in turn.
        let (m0, m1) = (
            s0.and_then(|(_, r_)| quick::exp_neg(r_, t)),
            s1.and_then(|(_, r_)| quick::exp_neg(r_, t)),
        );
        let factor = |s: Option<(u128, u128)>, m: Option<u128>| {
            Some((m?, F as usize + usize::try_from(s?.0).ok()?))
        };
        [factor(s0, m0), factor(s1, m1)]
    }
}
