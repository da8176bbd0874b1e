//! [`ProRata`]: the shares `⌊a·b/c⌋` of one amount `a` out of one total `c` by many weights `b`
//! (resource nodes by settled traffic, validators by voting power), exact, without a division
//! instruction per share.

use super::wide::{Divisor, mul_wide};
use crate::error::{Error, Result, overflow};

/// `⌊a·b/c⌋` for one `a` and `c` and many `b`, exactly as `mul_div(a, b, c, Rounding::Down)`.
/// `a = q·c + r` once, then `⌊a·b/c⌋ = q·b + ⌊r·b/c⌋`, where `r·b/c` is divided by the divisor
/// prepared once ([`Divisor`]): with `c`, `q` and `b` below 2^64, one 64-bit multiplication by
/// `c`'s reciprocal and at most two corrections; otherwise a 256-by-128-bit division.
#[derive(Clone, Copy, Debug)]
pub struct ProRata {
    q: u128,
    r: u128,
    div: Divisor,
    /// Whether `q` and `c` (so `r`) are below 2^64: the shares of a weight below 2^64 then
    /// take 64-bit limbs only.
    narrow: bool,
    /// `r` shifted as the divisor is normalized (below 2^64 when narrow), so that `r_shifted·b`
    /// is the normalized numerator.
    r_shifted: u64,
}

impl ProRata {
    /// The shares of `a` by weights out of `c`. Errors on `c == 0`.
    pub fn new(a: u128, c: u128) -> Result<ProRata> {
        let div = Divisor::new(c).ok_or(Error::DivisionByZero { op: "pro_rata" })?;
        let (q, r) = (a / c, a % c);
        let narrow = q >> 64 == 0 && div.is_narrow();
        // r < c < 2^64 and c·2^shift < 2^64 when narrow.
        let r_shifted = if narrow { (r as u64) << div.shift() } else { 0 };
        Ok(ProRata { q, r, div, narrow, r_shifted })
    }

    /// `⌊a·b/c⌋`, exactly as `mul_div(a, b, c, Rounding::Down)`.
    #[inline]
    pub fn floor(&self, b: u128) -> Result<u128> {
        if let (true, Ok(b)) = (self.narrow, u64::try_from(b)) {
            // q·b < 2^128 − 2^65 and ⌊r·b/c⌋ < b < 2^64: the sum fits. r·b < c·2^64.
            let qb = u128::from(self.q as u64) * u128::from(b);
            let e = self.div.narrow_quotient(u128::from(self.r_shifted) * u128::from(b));
            return Ok(qb + u128::from(e));
        }
        self.wide(b)
    }

    /// [`ProRata::floor`] for the wide operands.
    fn wide(&self, b: u128) -> Result<u128> {
        // The shares of an amount below the total (q = 0) need no product.
        let qb = if self.q == 0 {
            0
        } else {
            self.q.checked_mul(b).ok_or_else(|| overflow("pro_rata"))?
        };
        let (hi, lo) = mul_wide(self.r, b);
        // r < c, so r·b < c·2^128: the quotient fits (and is below b).
        let (e, _) = self.div.div_rem_wide(hi, lo).ok_or_else(|| overflow("pro_rata"))?;
        qb.checked_add(e).ok_or_else(|| overflow("pro_rata"))
    }
}
