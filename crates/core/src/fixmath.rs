//! Deterministic `ln`, `exp` and `pow` on 18-decimal fixed point, and the Cobb-Douglas reward of
//! Marlin's paper profile built on them (spec marlin.md, "Rewards": `R_i' = R·(r_i/R)^α·(s_i/S)^(1−α)`,
//! `0 < α < 1`, `Σ R_i' ≤ R`). Integers only: no float touches a result.
//!
//! # Representation
//! Inputs and outputs are 18-decimal fixed point: [`Dec`] (unsigned, the crate's `LegacyDec`) and
//! [`SDec`] (signed, `i128` raw: the domain of `ln` and of `exp`'s argument). Inside, values are
//! binary fixed point with [`FRAC_BITS`] = 192 fraction bits in a `U256` (products in `U512`),
//! so an internal result carries about 57 decimal digits; each function then rounds once, to 18
//! decimals (or to base units), toward zero.
//!
//! # Algorithms
//! - `ln(n/d)`: `n/d = m·2^k` with `m ∈ [1/√2, √2)` (bit lengths, one shift), then
//!   `ln m = 2·atanh((m−1)/(m+1))` by its series (`|z| ≤ 0.172`, about 38 terms), plus `k·ln 2`.
//! - `exp(y)`: `y = k·ln 2 + r`, `r ∈ [0, ln 2)`; `e^r` by Taylor (about 40 terms);
//!   `e^y = 2^k·e^r`, or `2^−k / e^r` for `y < 0`.
//! - `pow(x, a) = exp(a·ln x)`, and Cobb-Douglas `= total·exp(α·ln(r/R) + (1−α)·ln(s/S))` (one
//!   `exp`, so the two powers share one rounding).
//!
//! # Error bound (ulp = 10^−18, or one base unit for [`cobb_douglas`])
//! The internal results are within 2^12 internal ulps (2^−180 absolute for `ln`, relative for
//! `exp`, `pow` and Cobb-Douglas); the tests measure this against an 1024-bit oracle. Each
//! function widens that to a band of [`BAND_ULPS`] = 2^26 internal ulps (a 2^14 margin) and
//! rounds toward zero:
//! - When no output grid point lies in the band, the result is exactly `⌊|v|⌋` with the sign of
//!   `v` (the exact value): the correctly rounded-toward-zero answer.
//! - When one does, the exact value is within about 2^−166 (relative) of that grid point `g`.
//!   `pow` and Cobb-Douglas then decide `v ≥ g` exactly in integers, when the exponent reduces to
//!   `p/q` with `q ≤` [`EXACT_DENOMINATOR_MAX`]: `(1/4)^0.5` is exactly `0.5`,
//!   `(1/1024)^0.1` exactly `0.5`; Cobb-Douglas also, whatever α, when the two shares are equal
//!   (`r/R = s/S`: the value is `total·r/R`, so a lone relayer and the seed's equilibrium are
//!   paid the exact floor). Otherwise (and always for `ln` and `exp`, whose values at a
//!   rational argument other than `ln 1`, `exp 0` are transcendental, so never on the grid) the
//!   result is `g − 1 ulp`.
//!
//! So for every result `q` and exact value `v`: `|q| ≤ |v| < |q| + 1 ulp + δ`, with
//! `δ ≤ 2^−165·|v|` for `exp`, `pow` and Cobb-Douglas and `δ ≤ 2^−166` (about 2^−106 ulp)
//! for `ln` — strictly below 2 ulps, never above the exact value in magnitude, and equal to
//! `⌊|v|⌋` except within `δ` of a grid point. Rounding toward zero is what makes [`cobb_douglas`] safe: by the
//! weighted AM-GM inequality `x^α·y^(1−α) ≤ α·x + (1−α)·y`, so
//! `Σ_i (r_i/R)^α (s_i/S)^(1−α) ≤ α·Σ r_i/R + (1−α)·Σ s_i/S ≤ 1` and, every term being at
//! most its exact value, `Σ_i cobb_douglas(R, r_i, R_total, s_i, S) ≤ R` whenever
//! `Σ r_i ≤ R_total` and `Σ s_i ≤ S`.
//!
//! [`CobbDouglas`] (module `fast`) returns exactly what [`cobb_douglas`] returns, with the epoch's
//! constants taken once and a 120-bit estimate that decides all but near-grid results.
//!
//! Domains: `ln` for any `x > 0`; `exp` for `y ≤` [`EXP_MAX`] = 64 (beyond, [`Error::Overflow`];
//! far below zero the result is 0, the correct floor); `pow` for `x ∈ [0, 1]`, `a ∈ [0, 1]`
//! (`0^a = 0` for `a > 0`, `x^0 = 1`, `x^1 = x`); Cobb-Douglas for `α ∈ [0, 1]`.

use std::cmp::Ordering;
use std::fmt;

use ruint::Uint;
use ruint::aliases::{U256, U512};

use crate::amount::Amount;
use crate::arith::{Rounding, mul_div};
use crate::dec::Dec;
use crate::error::{Error, Result, overflow};

mod fast;
pub use fast::{CobbDouglas, LnCache};

/// Fraction bits of the internal binary fixed point.
pub const FRAC_BITS: usize = 192;
/// Half-width of the error band, in internal ulps (2^−192): 2^26.
pub const BAND_ULPS: u64 = 1 << 26;
/// The largest exponent denominator `q` (after reducing `a = p/q`) for which `pow` and
/// [`cobb_douglas`] decide a near-grid result exactly.
pub const EXACT_DENOMINATOR_MAX: u128 = 16;
/// The largest argument of [`exp`]: 64 (`e^64 ≈ 6.2·10^27`).
pub const EXP_MAX: SDec = SDec(64 * E18 as i128);

/// 10^18: the raw value of one.
const E18: u128 = 1_000_000_000_000_000_000;
/// Below this argument (−100) `exp` is under 10^−43: its 18-decimal floor is 0.
const EXP_ZERO_BELOW: i128 = -100 * E18 as i128;
/// A bound on every series loop (they stop at a zero term, after at most about 45 terms).
const SERIES_TERMS_MAX: u32 = 128;
/// ln 2 · 2^192, truncated.
const LN2: U256 =
    U256::from_limbs([0x40f3_4326_7298_b62d, 0xc9e3_b398_03f2_f6af, 0xb172_17f7_d1cf_79ab, 0]);
/// √2 · 2^192, truncated.
const SQRT2: U256 =
    U256::from_limbs([0x3ade_c175_1277_5099, 0xb2fb_1366_ea95_7d3e, 0x6a09_e667_f3bc_c908, 1]);

/// A signed 18-decimal fixed-point number: `raw / 10^18`. The result of [`ln`] and the argument
/// of [`exp`]. Range about ±1.7·10^20.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SDec(i128);

impl SDec {
    /// Zero.
    pub const ZERO: SDec = SDec(0);
    /// One (raw 10^18).
    pub const ONE: SDec = SDec(E18 as i128);

    /// The number whose raw value (value × 10^18) is `raw`.
    #[must_use]
    pub const fn from_raw(raw: i128) -> SDec {
        SDec(raw)
    }

    /// The raw value: value × 10^18.
    #[must_use]
    pub const fn raw(self) -> i128 {
        self.0
    }

    /// A [`Dec`] as a signed value, negated when `negative`. [`Error::Overflow`] beyond `i128`.
    pub fn from_dec(d: Dec, negative: bool) -> Result<SDec> {
        let raw = i128::try_from(d.raw()).map_err(|_| overflow("sdec from_dec"))?;
        Ok(SDec(if negative { -raw } else { raw }))
    }

    /// The magnitude as a [`Dec`].
    #[must_use]
    pub fn abs(self) -> Dec {
        Dec::from_raw(U256::from(self.0.unsigned_abs()))
    }

    /// True below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// Always 18 decimals, with a leading `-` below zero: `-0.693147180559945309`.
impl fmt::Display for SDec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:018}", m / E18, m % E18)
    }
}

// ---- public functions ---------------------------------------------------------------------

/// `ln x` rounded toward zero to 18 decimals (module doc: error below 1 ulp + 2^−106 ulp,
/// never above `|ln x|`). `ln 1 = 0` exactly. [`Error::InvalidParameter`] for `x = 0`.
pub fn ln(x: Dec) -> Result<SDec> {
    if x.is_zero() {
        return Err(bad("x", &x.to_string(), "ln needs x > 0"));
    }
    ln_of(x.raw(), U256::from(E18))
}

/// `ln(n/d)` rounded toward zero to 18 decimals, as [`ln`]. Errors: `n = 0` or `d = 0`.
pub fn ln_ratio(n: u128, d: u128) -> Result<SDec> {
    if n == 0 || d == 0 {
        return Err(bad("n/d", &format!("{n}/{d}"), "ln needs n > 0 and d > 0"));
    }
    ln_of(U256::from(n), U256::from(d))
}

/// `e^y` rounded toward zero to 18 decimals (module doc). `exp(0) = 1` exactly; below −100 the
/// result is 0. [`Error::Overflow`] above [`EXP_MAX`].
pub fn exp(y: SDec) -> Result<Dec> {
    if y > EXP_MAX {
        return Err(overflow("exp: argument above 64"));
    }
    if y.0 == 0 {
        return Ok(Dec::ONE);
    }
    if y.0 < EXP_ZERO_BELOW {
        return Ok(Dec::ZERO);
    }
    // |y| ≤ 100·10^18 < 2^67: the shifted value fits 259 bits in a U512, the quotient 200 bits.
    let mag = narrow((U512::from(y.0.unsigned_abs()) << FRAC_BITS) / U512::from(E18));
    let (mant, e2) = exp_fx(Fx { neg: y.0 < 0, mag });
    let raw = floor_out(mant, e2, U256::from(E18), |_| None)?;
    Ok(Dec::from_raw(raw))
}

/// `x^a` for `x ∈ [0, 1]`, `a ∈ [0, 1]`, rounded toward zero to 18 decimals (module doc).
/// Exact: `x^0 = 1` (also `0^0`), `0^a = 0`, `1^a = 1`, `x^1 = x`. Errors:
/// [`Error::InvalidParameter`] for `x > 1` or `a > 1`.
pub fn pow(x: Dec, a: Dec) -> Result<Dec> {
    if x > Dec::ONE {
        return Err(bad("x", &x.to_string(), "pow needs 0 ≤ x ≤ 1"));
    }
    // x ≤ 1: the raw value is at most 10^18.
    let n = u128::try_from(x.raw()).map_err(|_| overflow("pow"))?;
    pow_ratio(n, E18, a)
}

/// `(n/d)^a` for `n ≤ d`, `d > 0`, `a ∈ [0, 1]`, rounded toward zero to 18 decimals, as
/// [`pow`] (the ratio is never rounded first).
pub fn pow_ratio(n: u128, d: u128, a: Dec) -> Result<Dec> {
    if d == 0 || n > d {
        return Err(bad("n/d", &format!("{n}/{d}"), "pow needs 0 ≤ n ≤ d, d > 0"));
    }
    let p = exponent_parts(a, "a")?;
    if p == 0 || n == d {
        return Ok(Dec::ONE);
    }
    if n == 0 {
        return Ok(Dec::ZERO);
    }
    if p == E18 {
        return Ok(Dec::from_raw(U256::from(mul_div(n, E18, d, Rounding::Down)?)));
    }
    let l = ln_fx(U256::from(n), U256::from(d));
    let (mant, e2) = exp_fx(Fx { neg: true, mag: scale_by(l.mag, p) });
    let raw = floor_out(mant, e2, U256::from(E18), |g| {
        let (p, q) = reduced(p)?;
        let g = u128::try_from(g).ok()?;
        // (n/d)^(p/q) ≥ g/10^18 ⇔ n^p·(10^18)^q ≥ g^q·d^p.
        Some(cmp_products(&[(n, p), (E18, q)], &[(g, q), (d, p)])? != Ordering::Less)
    })?;
    Ok(Dec::from_raw(raw))
}

/// Marlin's paper reward `⌊total·(r/r_total)^α·(s/s_total)^(1−α)⌋` in base units, never above
/// the exact value (module doc: below it by less than 1 + 2^−165·total units), so that the
/// rewards of relayers whose tickets and stakes sum to at most the totals sum to at most `total`
/// (weighted AM-GM). `α = 1` is `⌊total·r/r_total⌋`, `α = 0` is `⌊total·s/s_total⌋`, exactly.
/// Errors: [`Error::DivisionByZero`] for a zero total; [`Error::InvalidParameter`] for
/// `r > r_total`, `s > s_total` or `α > 1`.
pub fn cobb_douglas(
    total: Amount,
    r: Amount,
    r_total: Amount,
    s: Amount,
    s_total: Amount,
    alpha: Dec,
) -> Result<Amount> {
    if r_total.is_zero() || s_total.is_zero() {
        return Err(Error::DivisionByZero { op: "cobb_douglas" });
    }
    if r > r_total || s > s_total {
        return Err(bad("r, s", &format!("{r}/{r_total}, {s}/{s_total}"), "shares above 1"));
    }
    let p = exponent_parts(alpha, "alpha")?;
    let (total, r, rt, s, st) = (total.0, r.0, r_total.0, s.0, s_total.0);
    if p == E18 || p == 0 {
        let (n, d) = if p == E18 { (r, rt) } else { (s, st) };
        return Ok(Amount(mul_div(total, n, d, Rounding::Down)?));
    }
    if r == 0 || s == 0 || total == 0 {
        return Ok(Amount::ZERO);
    }
    let l1 = scale_by(ln_fx(U256::from(r), U256::from(rt)).mag, p);
    let l2 = scale_by(ln_fx(U256::from(s), U256::from(st)).mag, E18 - p);
    let (mant, e2) = exp_fx(Fx { neg: true, mag: l1 + l2 });
    let raw = floor_out(mant, e2, U256::from(total), |g| {
        // Equal shares (r/rt = s/st, the seed's equilibrium and a lone relayer): the value is
        // total·r/rt whatever α, so v ≥ g ⇔ total·r ≥ g·rt.
        let wide = |a: u128, b: u128| U512::from(a) * U512::from(b);
        if wide(r, st) == wide(s, rt) {
            return Some(wide(total, r) >= g * U512::from(rt));
        }
        let (p, q) = reduced(p)?;
        let g = u128::try_from(g).ok()?;
        // total·(r/rt)^(p/q)·(s/st)^((q−p)/q) ≥ g ⇔ total^q·r^p·s^(q−p) ≥ g^q·rt^p·st^(q−p).
        let lhs = [(total, q), (r, p), (s, q - p)];
        Some(cmp_products(&lhs, &[(g, q), (rt, p), (st, q - p)])? != Ordering::Less)
    })?;
    u128::try_from(raw).map(Amount).map_err(|_| overflow("cobb_douglas"))
}

// ---- internals ----------------------------------------------------------------------------

/// An internal signed value: sign and magnitude at scale 2^192.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fx {
    pub(crate) neg: bool,
    pub(crate) mag: U256,
}

/// One at scale 2^192.
fn one() -> U256 {
    U256::ONE << FRAC_BITS
}

/// A 512-bit intermediate back to 256 bits. Internal values are below 2^200 by construction
/// (module doc), so saturation never happens; it is a guard, not a rounding.
fn narrow(x: U512) -> U256 {
    U256::checked_from_limbs_slice(x.as_limbs()).unwrap_or(U256::MAX)
}

/// `a·b` at scale 2^192, truncated.
fn mul_fx(a: U256, b: U256) -> U256 {
    narrow((U512::from(a) * U512::from(b)) >> FRAC_BITS)
}

/// `a/b` at scale 2^192, truncated (`b > 0`).
fn div_fx(a: U256, b: U256) -> U256 {
    narrow((U512::from(a) << FRAC_BITS) / U512::from(b))
}

/// `x·p/10^18`, truncated: an internal value times an 18-decimal exponent `p ≤ 10^18`.
pub(crate) fn scale_by(x: U256, p: u128) -> U256 {
    narrow(U512::from(x) * U512::from(p) / U512::from(E18))
}

/// `ln(n/d)` at scale 2^192 (`n, d > 0`), within 2^12 internal ulps (module doc).
pub(crate) fn ln_fx(n: U256, d: U256) -> Fx {
    let mut k = n.bit_len() as i64 - d.bit_len() as i64;
    // m = n/(d·2^k) ∈ (1/2, 2); both operands fit a U512 (n, d < 2^256, |k| < 256).
    let (num, den) = if k >= 0 {
        (U512::from(n) << FRAC_BITS, U512::from(d) << k as usize)
    } else {
        (U512::from(n) << (FRAC_BITS + k.unsigned_abs() as usize), U512::from(d))
    };
    let mut m = narrow(num / den);
    if m >= SQRT2 {
        m >>= 1;
        k += 1;
    } else if m < SQRT2 >> 1 {
        m <<= 1;
        k -= 1;
    }
    let one = one();
    let (neg, z) =
        if m >= one { (false, div_fx(m - one, m + one)) } else { (true, div_fx(one - m, one + m)) };
    let ln_m = Fx { neg, mag: atanh_series(z) << 1 };
    let k_ln2 = Fx { neg: k < 0, mag: LN2 * U256::from(k.unsigned_abs()) };
    add(k_ln2, ln_m)
}

/// `Σ_j z^(2j+1)/(2j+1)` = atanh z for `0 ≤ z < 1` (here `z ≤ 0.172`).
fn atanh_series(z: U256) -> U256 {
    let z2 = mul_fx(z, z);
    let (mut power, mut sum) = (z, z);
    for j in 1..SERIES_TERMS_MAX {
        power = mul_fx(power, z2);
        if power.is_zero() {
            break;
        }
        sum += power / U256::from(2 * j + 1);
    }
    sum
}

/// `e^y` as `(mantissa, e2)`: the value is `mantissa·2^e2`, the mantissa at scale 2^192 in
/// `(1/2, 2)`, within 2^12 internal ulps relative. `|y| < 2^200` (callers bound it).
pub(crate) fn exp_fx(y: Fx) -> (U256, i32) {
    let (k, r) = y.mag.div_rem(LN2);
    // |y| < 2^200 / ln 2 ⇒ k < 2^201 / 2^192 = 512: it fits an i32.
    let k = i32::try_from(k).unwrap_or(i32::MAX);
    let e = exp_series(r);
    if y.neg { (div_fx(one(), e), -k) } else { (e, k) }
}

/// `Σ_n r^n/n!` = e^r for `0 ≤ r < ln 2`.
fn exp_series(r: U256) -> U256 {
    let (mut term, mut sum) = (one(), one());
    for n in 1..SERIES_TERMS_MAX {
        term = mul_fx(term, r) / U256::from(n);
        if term.is_zero() {
            break;
        }
        sum += term;
    }
    sum
}

/// `a + b` on signed internal values.
fn add(a: Fx, b: Fx) -> Fx {
    if a.neg == b.neg {
        return Fx { neg: a.neg, mag: a.mag + b.mag };
    }
    if a.mag >= b.mag {
        Fx { neg: a.neg, mag: a.mag - b.mag }
    } else {
        Fx { neg: b.neg, mag: b.mag - a.mag }
    }
}

/// `⌊mant·2^e2·mult / 2^192⌋` for the internal value `mant·2^e2` known within [`BAND_ULPS`]
/// of `mant`: the floor when the band holds no grid point; otherwise the grid point `g` if
/// `exact_ge(g)` confirms the exact value reaches it, else `g − 1` (module doc).
fn floor_out(
    mant: U256,
    e2: i32,
    mult: U256,
    exact_ge: impl FnOnce(U512) -> Option<bool>,
) -> Result<U256> {
    let band = U256::from(BAND_ULPS);
    let lo = scaled_floor(mant.saturating_sub(band), e2, mult)?;
    let hi = scaled_floor(mant.saturating_add(band), e2, mult)?;
    let q = if lo == hi || exact_ge(hi) != Some(true) { lo } else { hi };
    U256::checked_from_limbs_slice(q.as_limbs()).ok_or_else(|| overflow("fixmath result"))
}

/// `⌊x·mult·2^e2 / 2^192⌋` with `x < 2^256`, `mult < 2^129`, `e2 ≤ 93`.
fn scaled_floor(x: U256, e2: i32, mult: U256) -> Result<U512> {
    let p = U512::from(x) * U512::from(mult);
    let shift = FRAC_BITS as i64 - i64::from(e2);
    match usize::try_from(shift) {
        Ok(s) if s >= 512 => Ok(U512::ZERO),
        Ok(s) => Ok(p >> s),
        // `checked_shl` fails when a set bit would be shifted out.
        Err(_) => {
            p.checked_shl(shift.unsigned_abs() as usize).ok_or_else(|| overflow("fixmath scale"))
        }
    }
}

/// The raw parts of an exponent in `[0, 1]`, or [`Error::InvalidParameter`].
fn exponent_parts(a: Dec, name: &str) -> Result<u128> {
    if a > Dec::ONE {
        return Err(bad(name, &a.to_string(), "exponent must be in [0, 1]"));
    }
    u128::try_from(a.raw()).map_err(|_| overflow("exponent"))
}

/// `p/10^18` in lowest terms `(p', q')` when `q' ≤` [`EXACT_DENOMINATOR_MAX`].
fn reduced(p: u128) -> Option<(u128, u128)> {
    let (mut a, mut b) = (p, E18);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let q = E18 / a;
    (a > 0 && q <= EXACT_DENOMINATOR_MAX).then_some((p / a, q))
}

/// A wide integer for the exact comparisons: `Π b^e` with 16 factors of 128 bits each side.
type Wide = Uint<4224, 66>;

/// Compares `Π base^exp` of two lists exactly, or `None` when a product does not fit [`Wide`].
fn cmp_products(lhs: &[(u128, u128)], rhs: &[(u128, u128)]) -> Option<Ordering> {
    let product = |list: &[(u128, u128)]| -> Option<Wide> {
        let mut acc = Wide::from(1u8);
        for &(base, e) in list {
            for _ in 0..e {
                acc = acc.checked_mul(Wide::from(base))?;
            }
        }
        Some(acc)
    };
    Some(product(lhs)?.cmp(&product(rhs)?))
}

/// `ln(n/d)` as an [`SDec`], toward zero (`n, d > 0`).
fn ln_of(n: U256, d: U256) -> Result<SDec> {
    if n == d {
        return Ok(SDec::ZERO);
    }
    // The sign is exact (n < d); near 1, |ln| is below one ulp and the magnitude floors to 0.
    let l = ln_fx(n, d);
    let raw = floor_out(l.mag, 0, U256::from(E18), |_| None)?;
    let raw = i128::try_from(raw).map_err(|_| overflow("ln"))?;
    Ok(SDec(if n < d { -raw } else { raw }))
}

fn bad(name: &str, value: &str, reason: &str) -> Error {
    Error::InvalidParameter { name: name.into(), value: value.into(), reason: reason.into() }
}

#[cfg(test)]
mod tests;
