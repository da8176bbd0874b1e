//! The tables of [`super`]'s two estimates (the reduction constants and the logarithms and
//! exponentials they need, at scale 2^120), built once from the 192-bit `ln` and `exp`.

use std::sync::OnceLock;

use ruint::aliases::U256;

use super::super::{FRAC_BITS, Fx, exp_fx, ln_fx};
use super::{F, mul_f};

/// The tables of the module doc, at scale 2^120.
pub(super) struct Tables {
    /// `ln(2^16/c)`, `c = ⌈2^22/(64+i)⌉`, `i = 0..64`.
    pub(super) ln1: [u128; 64],
    /// `ln(2^24/c)`, `c = ⌈2^36/(4096+j)⌉`, `j = 0..=64`.
    pub(super) ln2: [u128; 65],
    /// `ln(2^36/c)`, `c = C3[l]`, `l = 0..=64` (the first estimate's third step).
    pub(super) ln3: [u128; 65],
    /// `e^(l/2^18)`, `l = 0..64` (the first estimate's third step).
    pub(super) exp3: [u128; 64],
    /// `⌊e^−(i+1)/64 · e^(j/4096)⌋` as the product of the two tables (`e^−(i+1)/64`, `i = 0..64`;
    /// `e^(j/4096)`, `j = 0..=64`; each at scale 2^120 from the 192-bit `exp`), floored to
    /// 120 bits: the product both estimates formed on every call, made once.
    pub(super) exp12: Box<[[u128; 65]; 64]>,
}

/// `⌈2^(s+k)/(2^k+i)⌉`, `i = 0..N`: the constants `c·2^s` of a reduction step of `k` bits,
/// `c ≈ 1/(1 + i/2^k)` rounded up (so that `m·c ≥ 1`).
const fn reduction<const N: usize>(k: u32, s: u32) -> [u64; N] {
    let mut t = [0u64; N];
    let mut i = 0;
    while i < N {
        t[i] = (1u128 << (s + k)).div_ceil((1 << k) + i as u128) as u64;
        i += 1;
    }
    t
}

/// `⌈2^22/(64+i)⌉`, `i = 0..64`: the first reduction step, `c₁·2^16` (below 2^17).
pub(super) const C1: [u64; 64] = reduction(6, 16);
/// `⌈2^36/(4096+j)⌉`, `j = 0..=64`: the second reduction step, `c₂·2^24` (below 2^25).
pub(super) const C2: [u64; 65] = reduction(12, 24);
/// `⌈2^54/(2^18+l)⌉`, `l = 0..=64`: the third reduction step, `c₃·2^36` (below 2^37).
pub(super) const C3: [u64; 65] = reduction(18, 36);

pub(super) fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let down = FRAC_BITS - F as usize;
        let ln = |n: u128, d: u128| to_u128(ln_fx(U256::from(n), U256::from(d)).mag >> down);
        let exp = |num: u128, den: u128, neg: bool| {
            let mag = (U256::from(num) << FRAC_BITS) / U256::from(den);
            let (mant, e2) = exp_fx(Fx { neg, mag });
            let s = i64::try_from(down).unwrap_or(0) - i64::from(e2);
            to_u128(mant >> usize::try_from(s).unwrap_or(0))
        };
        let exp_neg: [u128; 64] = std::array::from_fn(|i| exp(i as u128 + 1, 64, true));
        let exp_pos: [u128; 65] = std::array::from_fn(|j| exp(j as u128, 4096, false));
        let exp12 = Box::new(exp_neg.map(|e| exp_pos.map(|f| mul_f(e, f))));
        Tables {
            ln1: C1.map(|c| ln(1 << 16, u128::from(c))),
            ln2: C2.map(|c| ln(1 << 24, u128::from(c))),
            ln3: C3.map(|c| ln(1 << 36, u128::from(c))),
            exp3: std::array::from_fn(|l| exp(l as u128, 1 << 18, false)),
            exp12,
        }
    })
}

fn to_u128(x: U256) -> u128 {
    u128::try_from(x).unwrap_or(u128::MAX)
}
