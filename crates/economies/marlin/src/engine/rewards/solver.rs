//! Paper budget solver (spec marlin.md, "Rewards", paper; seed 002, "Staking": "people have a
//! fixed amount of resources … the above function incentivizes them to split the resources
//! optimally between participating (by running nodes) and securing (by staking)").
//!
//! A relayer with budget `B` spends `x` on nodes, buying tickets at `p_r` budget units each
//! (`r = x/p_r`), and `B − x` on stake at `p_s` a unit (`s = (B − x)/p_s`). Everyone else holds
//! `R_o` tickets and `S_o` stake. Its Cobb-Douglas reward is
//!
//! ```text
//! f(x) = P·(r/(R_o + r))^α·(s/(S_o + s))^(1−α)
//! ```
//!
//! - **Small relayer** (`r ≪ R_o`, `s ≪ S_o`): `f ∝ x^α·(B − x)^(1−α)`, maximised at `x = α·B`:
//!   a fraction `α` to nodes, `1 − α` to stake, whatever the others do ([`small_relayer_split`]).
//! - **Exactly**: `ln f` is concave (each `ln(r/(R_o + r))` is), so the optimum is the unique
//!   root of `d ln f/dx = α·R_o / (x·(R_o + r)) − (1−α)·S_o / ((B − x)·(S_o + s))`. Multiplied by
//!   the positive `x·(B − x)·p_r·p_s·α_d/…`, its sign is the sign of the integer
//!
//!   ```text
//!   H(x) = α_n·R_o·p_r·(B − x)·(S_o·p_s + B − x) − (α_d − α_n)·S_o·p_s·x·(R_o·p_r + x)
//!   ```
//!
//!   with `α = α_n/α_d`; `H(0) > 0 > H(B)` and `H` changes sign once. [`optimal_split`] bisects
//!   on integers for the largest `x` with `H(x) ≥ 0`, comparing the two products exactly in
//!   512 bits (four factors below 2^128 each): the real optimum lies in `[x, x + 1)`. O(log B) comparisons, no float.
//!
//! With `R_o = 0` any positive ticket count takes the whole ticket share, and with `S_o = 0` any
//! positive stake the whole stake share: the supremum is not attained inside, and the solver
//! says so ([`RewardsError::NoInteriorOptimum`]).

use ergon_core::Dec;

use super::{Result, RewardsError};
use ruint::aliases::{U128, U256, U512};

/// One relayer's budget problem (module doc). Prices are budget base units per ticket and per
/// stake base unit; both at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitProblem {
    /// The budget `B`.
    pub budget: u128,
    /// The Cobb-Douglas exponent `α` (18 decimals).
    pub alpha: Dec,
    /// Everyone else's tickets `R_o`.
    pub other_tickets: u128,
    /// Everyone else's stake `S_o`.
    pub other_stake: u128,
    /// Budget units per ticket, `p_r`.
    pub ticket_price: u128,
    /// Budget units per stake base unit, `p_s`.
    pub stake_price: u128,
}

/// A budget split: what goes to nodes and what to stake, summing to the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// Spent on nodes (tickets).
    pub nodes: u128,
    /// Spent on stake.
    pub stake: u128,
}

/// `α` as `(α_n, α_d)` in lowest terms; errors above 1.
fn alpha_parts(alpha: Dec) -> Result<(u128, u128)> {
    let n = alpha.mul_int(1_000_000_000_000_000_000)?.truncate_int()?;
    let d = 1_000_000_000_000_000_000u128;
    if n > d {
        return Err(ergon_core::Error::InvalidParameter {
            name: "alpha".into(),
            value: alpha.to_string(),
            reason: "above 1".into(),
        }
        .into());
    }
    let g = gcd(n, d);
    Ok((n / g, d / g))
}

/// `a·b` exactly, in 256 bits.
fn wide(a: u128, b: u128) -> U256 {
    U128::from(a).widening_mul(U128::from(b))
}

/// `x·y` exactly, in 512 bits (each operand a product of two factors below 2^128).
fn wide512(x: U256, y: U256) -> U512 {
    x.widening_mul(y)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The small-relayer split: `⌊α·B⌋` to nodes, the rest to stake.
pub fn small_relayer_split(budget: u128, alpha: Dec) -> Result<Split> {
    let (n, d) = alpha_parts(alpha)?;
    let nodes = super::mul_div_floor(budget, n, d)?;
    Ok(Split { nodes, stake: budget - nodes })
}

/// The exact optimal split (module doc): `nodes = ⌊x*⌋` for the real optimum `x*`. `α = 1`
/// spends all on nodes, `α = 0` all on stake, a zero budget nothing.
///
/// Errors: `α > 1`; a zero price; `R_o = 0` or `S_o = 0` with `0 < α < 1`
/// ([`RewardsError::NoInteriorOptimum`]); `S_o·p_s + B` or `R_o·p_r + B` above `u128`.
pub fn optimal_split(p: &SplitProblem) -> Result<Split> {
    let (an, ad) = alpha_parts(p.alpha)?;
    if p.ticket_price == 0 || p.stake_price == 0 {
        return Err(RewardsError::ZeroTotal { what: "price" });
    }
    let b = p.budget;
    if b == 0 || an == 0 {
        return Ok(Split { nodes: 0, stake: b });
    }
    if an == ad {
        return Ok(Split { nodes: b, stake: 0 });
    }
    if p.other_tickets == 0 || p.other_stake == 0 {
        return Err(RewardsError::NoInteriorOptimum {
            other_tickets: p.other_tickets,
            other_stake: p.other_stake,
        });
    }
    let overflow = || RewardsError::Overflow { op: "optimal_split" };
    let kr = p.other_tickets.checked_mul(p.ticket_price).ok_or_else(overflow)?;
    let ks = p.other_stake.checked_mul(p.stake_price).ok_or_else(overflow)?;
    ks.checked_add(b).ok_or_else(overflow)?;
    kr.checked_add(b).ok_or_else(overflow)?;
    let beta = ad - an;
    // H(x) ≥ 0 ⇔ α_n·R_o·p_r·(B−x)·(S_o·p_s + B−x) ≥ β·S_o·p_s·x·(R_o·p_r + x).
    // The constant halves of both products once; each side exact in 512 bits.
    let (c_lhs, c_rhs) = (wide(an, kr), wide(beta, ks));
    let nonneg = |x: u128| -> bool {
        let lhs = wide512(c_lhs, wide(b - x, ks + (b - x)));
        let rhs = wide512(c_rhs, wide(x, kr + x));
        lhs >= rhs
    };
    // Invariant: H(lo) ≥ 0 > H(hi); H(0) > 0 and H(B) < 0 as R_o, S_o, B > 0. A float
    // estimate narrows the start to `x̂ ± (B/2^44 + 2)` when both ends pass the exact test (as H
    // changes sign once, the bisection then ends on the same `x`); else the whole `[0, B]`.
    let (mut lo, mut hi) = (0u128, b);
    let guess = float_root(an, beta, kr, ks, b);
    let d = (b >> 44) + 2;
    let (l, h) = (guess.saturating_sub(d), guess.saturating_add(d).min(b));
    if l < h && (l == 0 || nonneg(l)) && (h == b || !nonneg(h)) {
        (lo, hi) = (l, h);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if nonneg(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(Split { nodes: lo, stake: b - lo })
}

/// The root of `H` (module doc) in `(0, B)` estimated in floating point: only a starting
/// bracket for [`optimal_split`], which checks it exactly (any value in `[0, B]` is safe).
/// `H(x) = a₂x² + a₁x + a₀` with `A = α_n·R_o·p_r`, `C = β·S_o·p_s`: `a₂ = A − C`,
/// `a₁ = −A·(2B + S_o·p_s) − C·R_o·p_r < 0`, `a₀ = A·B·(B + S_o·p_s) > 0`; the root in `(0, B)`
/// is `2a₀/(−a₁ + √(a₁² − 4a₂a₀))` whatever the sign of `a₂` (no cancellation: `−a₁ > 0`).
fn float_root(an: u128, beta: u128, kr: u128, ks: u128, b: u128) -> u128 {
    let (an, beta, kr, ks, bf) = (an as f64, beta as f64, kr as f64, ks as f64, b as f64);
    let (a, c) = (an * kr, beta * ks);
    let (a2, a1, a0) = (a - c, -a * (2.0 * bf + ks) - c * kr, a * bf * (bf + ks));
    let x = 2.0 * a0 / (-a1 + (a1 * a1 - 4.0 * a2 * a0).max(0.0).sqrt());
    // `as` saturates: NaN to 0, above the range to u128::MAX.
    (x as u128).min(b)
}

#[cfg(test)]
mod tests {
    use super::float_root;

    /// The float estimate lands within the exact bracket's half-width `B/2^44 + 2` of the
    /// worked cases' optima (tests/rewards_paper.rs, `optimal_split_worked_case`), so the
    /// bisection starts there rather than on `[0, B]`.
    #[test]
    fn float_root_lands_in_the_bracket() {
        let e18 = 1_000_000_000_000_000_000u128;
        let cases = [
            // (α_n, β, R_o·p_r, S_o·p_s, B, ⌊x*⌋)
            (1, 1, 100 * e18, 400 * e18, 100 * e18, 44_151_844_011_225_288_799u128),
            (3, 7, 2000 * e18, 5000 * e18, 700 * e18, 209_146_449_428_522_441_363),
            (3, 7, 2 * e18 * 1_000_000_000, 10u128.pow(27), 700 * e18, 210_000_056_594_975_041_615),
        ];
        for (an, beta, kr, ks, b, want) in cases {
            let got = float_root(an, beta, kr, ks, b);
            assert!(got.abs_diff(want) <= (b >> 44) + 2, "{got} vs {want}");
        }
    }
}
