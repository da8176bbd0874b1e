//! Execution as gas and verification as gas, the arithmetic (spec trias.md, "Execution as gas
//! / verification as gas"; seed: "Since its execution rights are obtained by contributions in
//! compute power, storages, or bandwidths from verifiers and routers, executers will have to
//! reward these contributions with part of its earned tokens").
//!
//! Of an agreeing executer's gross `G`:
//! - premium `⌊G·rate/10^4⌋` (the call's insurance rate, 500 bp by default, at least 200) to
//!   insurance, buying the executer cover;
//! - verification `⌊G·1000/10^4⌋` to the verifiers holding a standing attestation of the
//!   executer, `⌊V·D_ix/ΣD⌋` each; the floors' dust (or all of `V` when no one attests it) to
//!   the verifiers' mining pool;
//! - routing `⌊G·500/10^4⌋` to this epoch's routers' pool;
//! - the rest to the executer. `premium + Σ verifiers + dust + routing + executer = G`.

use ergon_core::{Amount, Rounding, mul_div};

use crate::attest::NodeId;
use crate::error::Result;

/// The default insurance premium, basis points of the gross.
pub const PREMIUM_BP: u32 = 500;
/// The least premium a call may set.
pub const PREMIUM_MIN_BP: u32 = 200;
/// Verification as gas, basis points of the gross.
pub const VERIFIERS_BP: u32 = 1000;
/// Execution as gas (the routers' share), basis points of the gross.
pub const ROUTERS_BP: u32 = 500;

/// One gross's parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GasSplit {
    /// To insurance.
    pub premium: Amount,
    /// To each attesting verifier, in the order given.
    pub verifiers: Vec<(NodeId, Amount)>,
    /// The verifiers' part the floors left (or all of it without attesters): to `Pool_V`.
    pub verifier_dust: Amount,
    /// To `Pool_R`.
    pub routers: Amount,
    /// To the executer.
    pub executer: Amount,
}

fn bp(g: Amount, bp: u32) -> Result<Amount> {
    Ok(Amount(mul_div(g.0, u128::from(bp), 10_000, Rounding::Down)?))
}

/// Splits `gross` (module doc); `attesters` are `(verifier, D_ix)` with `D_ix > 0`.
pub fn gas_split(gross: Amount, premium_bp: u32, attesters: &[(NodeId, u64)]) -> Result<GasSplit> {
    let premium = bp(gross, premium_bp)?;
    let v = bp(gross, VERIFIERS_BP)?;
    let routers = bp(gross, ROUTERS_BP)?;
    let total: u128 = attesters.iter().map(|a| u128::from(a.1)).sum();
    let mut paid = 0u128;
    let mut verifiers = Vec::with_capacity(attesters.len());
    if total > 0 {
        for &(i, d) in attesters {
            let x = mul_div(v.0, u128::from(d), total, Rounding::Down)?;
            paid += x;
            verifiers.push((i, Amount(x)));
        }
    }
    let executer = gross.0 - premium.0 - v.0 - routers.0;
    Ok(GasSplit {
        premium,
        verifiers,
        verifier_dust: Amount(v.0 - paid),
        routers,
        executer: Amount(executer),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_add_up() {
        // G = 1000, 5 %: premium 50, V = 100 by D = 24 and 8 → 75, 25; routers 50; rest 800.
        let s = gas_split(Amount(1000), 500, &[(1, 24), (2, 8)]).expect("small");
        assert_eq!(s.premium, Amount(50));
        assert_eq!(s.verifiers, vec![(1, Amount(75)), (2, Amount(25))]);
        assert_eq!((s.verifier_dust, s.routers, s.executer), (Amount(0), Amount(50), Amount(800)));
        // G = 99, 2 %: premium 1, V = 9 by D 1,1 → 4, 4, dust 1; routers 4; rest 85.
        let s = gas_split(Amount(99), 200, &[(1, 1), (2, 1)]).expect("small");
        assert_eq!(s.verifiers, vec![(1, Amount(4)), (2, Amount(4))]);
        assert_eq!(
            (s.premium, s.verifier_dust, s.routers, s.executer),
            (Amount(1), Amount(1), Amount(4), Amount(85))
        );
    }
}
