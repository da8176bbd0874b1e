//! The `mainnet` profile's arithmetic: the formulas of stratos-chain v0.12 (modules `x/register`,
//! `x/pot`, `x/sds`) in Cosmos `LegacyDec` ([`Dec`]: 18 decimals, `Mul` and `Quo` rounded half
//! to even, `Quo` truncated at 36 decimals first), in the chain's order of operations, so that
//! every figure is bit-identical to the chain's. Each function names the chain function it
//! mirrors. The `paper` profile does not use this module: its integer floors are in
//! [`crate::ozone`] and [`crate::epoch`].
//!
//! Units: STOS amounts in wei, Ozone in noz, the deposit rate in wei per noz, the community tax
//! as a [`Dec`] fraction. Amounts enter a formula as `Dec::from_amount` (Cosmos `ToLegacyDec`)
//! and leave it through [`Dec::truncate_int`] (Cosmos `TruncateInt`), exactly where the chain
//! converts.
//!
//! Where the chain's rounding differs from exact rational arithmetic: a `Quo` rounded to 18
//! decimals can round a quotient just below an integer up to it, so `TruncateInt` then gives the
//! exact floor + 1 (a PREPAY can buy one noz more than ⌊L·X/(S+P+X)⌋); and the traffic shares
//! `vol/Y` are each rounded, so they can sum to more than 1 and the nodes can be paid a few wei
//! more than the resource part (and fewer: the rest stays in its pool).

use ergon_core::{Amount, Dec, Error};

/// 10,000 basis points.
const BP_TOTAL: u128 = 10_000;

/// `a` as a Cosmos `LegacyDec` (`Int.ToLegacyDec`).
fn dec(a: Amount) -> Dec {
    Dec::from_amount(a)
}

/// `TruncateInt` as an amount.
fn trunc(d: Dec) -> Result<Amount, Error> {
    d.truncate_int().map(Amount)
}

/// The deposit rate (wei of deposit per noz of Ozone limit) as the chain's `DepositNozRate`
/// (a `LegacyDec`; its default is 1e6).
#[must_use]
pub fn deposit_rate(wei_per_noz: u128) -> Dec {
    Dec::from_int(wei_per_noz)
}

/// A fraction in parts per million as a `LegacyDec` (exact: `ppm / 10^6`), e.g. the community
/// tax (`x/pot` param `CommunityTax`, default 2%).
#[must_use]
pub fn ppm(ppm: u32) -> Dec {
    Dec::new_with_prec(u128::from(ppm), 6).expect("6 ≤ 18 decimals")
}

/// Ozone bought by a PREPAY of `x` wei: `TruncateInt(Dec(L).Mul(Dec(X)).Quo(Dec(S + P + X)))`.
///
/// Mirrors `x/register` `Keeper.CalculatePurchaseAmount` / `x/sds` `purchaseNozAndSubCoins`. The
/// caller refuses a result above `L` (the chain's `ErrOzoneLimitNotEnough`); zero is accepted.
pub fn prepay_noz(s: Amount, p: Amount, l: Amount, x: Amount) -> Result<Amount, Error> {
    let denom = s.checked_add(p)?.checked_add(x)?;
    trunc(dec(l).mul(dec(x))?.quo(dec(denom))?)
}

/// The traffic reward of settling `y` noz, kept as a `LegacyDec` (never truncated as a whole):
/// `R = Dec(S + P).Mul(Dec(Y)).Quo(Dec(L + Y))`, with `L` the limit before the settlement.
///
/// Mirrors `x/pot` `Keeper.GetTrafficReward`. Zero when `y` is zero and `L` is not (nothing is
/// settled then); when both are, the chain's division by zero fails its transaction, and so
/// does this ([`Error::DivisionByZero`]).
pub fn traffic_reward(s: Amount, p: Amount, l: Amount, y: Amount) -> Result<Dec, Error> {
    if y.is_zero() {
        if l.is_zero() {
            return Err(Error::DivisionByZero {
                op: "traffic reward (S + P)·Y/(L + Y), L + Y = 0",
            });
        }
        return Ok(Dec::ZERO);
    }
    dec(s.checked_add(p)?).mul(dec(y))?.quo(dec(l.checked_add(y)?))
}

/// The total Ozone supply the deposits back: `TruncateInt(Dec(S).Quo(rate))`.
///
/// Mirrors `x/pot` `Keeper.NozSupply` (its `total`).
pub fn noz_supply(s: Amount, rate: Dec) -> Result<Amount, Error> {
    trunc(dec(s).quo(rate)?)
}

/// Whether a settlement of `y` noz must be refused: `Dec(Y) + Dec(L) > Dec(NozSupply total)`,
/// the chain's "remaining+consumed Noz exceeds total Noz supply".
///
/// Mirrors the first check of `x/pot` `Keeper.DistributePotReward`; the whole volume report
/// fails then (nothing is settled, nothing is paid).
pub fn exceeds_noz_supply(s: Amount, l: Amount, y: Amount, rate: Dec) -> Result<bool, Error> {
    Ok(l.checked_add(y)? > noz_supply(s, rate)?)
}

/// One tier part of a reward: `TruncateInt(total.Mul(Dec(bp)).Quo(Dec(10000)))`, each part
/// truncated on its own (their sum can fall short of `total`: the rest stays in its pool).
///
/// Mirrors `x/pot` `Keeper.CalcTrafficRewardInTotal` (with `total` = R) and
/// `Keeper.CalcMiningRewardInTotal` (with `total` = Dec(M)).
pub fn tier_part(total: Dec, bp: u32) -> Result<Amount, Error> {
    trunc(total.mul(Dec::from_int(u128::from(bp)))?.quo(Dec::from_int(BP_TOTAL))?)
}

/// The three tier parts of a reward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Parts {
    /// Resource nodes' part.
    pub resource: Amount,
    /// Meta nodes' part.
    pub meta: Amount,
    /// Stake part: all to validators and delegators (the fee collector).
    pub stake: Amount,
}

/// The tier split `[resource, meta, stake]` (basis points) of `total`, each part by
/// [`tier_part`].
pub fn split(total: Dec, bps: &[u32]) -> Result<Parts, Error> {
    let bp = |i: usize| bps.get(i).copied().unwrap_or(0);
    Ok(Parts {
        resource: tier_part(total, bp(0))?,
        meta: tier_part(total, bp(1))?,
        stake: tier_part(total, bp(2))?,
    })
}

/// What one node gets from one settlement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeReward {
    /// From the mining pool (never taxed), wei.
    pub mining: Amount,
    /// From the volume pool after the community tax, wei.
    pub traffic: Amount,
    /// The community tax on the traffic part, unrounded: the chain sums it over every node and
    /// truncates the sum once.
    pub tax: Dec,
}

/// The community tax on a traffic reward: `tax = before.Mul(rate)`,
/// `after = TruncateInt(before − tax)`. Returns `(after, tax)`.
///
/// Mirrors `x/pot` `Keeper.CalcCommunityTax`.
pub fn community_tax(before: Dec, rate: Dec) -> Result<(Amount, Dec), Error> {
    let tax = before.mul(rate)?;
    Ok((trunc(before.checked_sub(tax)?)?, tax))
}

/// A settled resource node's reward for `vol` of the `y` noz settled, from the resource parts
/// `res_mining` (of M) and `res_traffic` (of R): `share = Dec(vol).Quo(Dec(Y))`;
/// `mining = TruncateInt(Dec(resM).Mul(share))`; traffic `before = Dec(resT).Mul(share)`, then
/// [`community_tax`].
///
/// Mirrors `x/pot` `Keeper.CalcRewardForResourceNode`.
pub fn resource_node_reward(
    res_mining: Amount,
    res_traffic: Amount,
    vol: Amount,
    y: Amount,
    tax_rate: Dec,
) -> Result<NodeReward, Error> {
    let share = dec(vol).quo(dec(y))?;
    let mining = trunc(dec(res_mining).mul(share)?)?;
    let (traffic, tax) = community_tax(dec(res_traffic).mul(share)?, tax_rate)?;
    Ok(NodeReward { mining, traffic, tax })
}

/// Each of `count` bonded meta nodes' reward from the meta parts `meta_mining` (of M) and
/// `meta_traffic` (of R): `mining = TruncateInt(Dec(metaM).Quo(Dec(count)))`; traffic
/// `before = Dec(metaT).Quo(Dec(count))`, then [`community_tax`]. The same for every node.
///
/// Mirrors `x/pot` `Keeper.CalcRewardForMetaNode`.
pub fn meta_node_reward(
    meta_mining: Amount,
    meta_traffic: Amount,
    count: u128,
    tax_rate: Dec,
) -> Result<NodeReward, Error> {
    let n = Dec::from_int(count);
    let mining = trunc(dec(meta_mining).quo(n)?)?;
    let (traffic, tax) = community_tax(dec(meta_traffic).quo(n)?, tax_rate)?;
    Ok(NodeReward { mining, traffic, tax })
}

/// The remaining Ozone limit after a deposit of `z` wei joins the effective total `s_before`:
/// `TruncateInt(Dec(L) + Dec(Z).Quo(rate))`, and `L` unchanged when `s_before` was zero (`S`
/// still grows by `z`: the caller's part).
///
/// Mirrors `x/register` `Keeper.IncreaseOzoneLimitByAddDeposit`.
pub fn limit_after_deposit(
    s_before: Amount,
    l: Amount,
    z: Amount,
    rate: Dec,
) -> Result<Amount, Error> {
    limit_after_deposit_with_debt(s_before, l, z, rate, Amount::ZERO).map(|(l, _)| l)
}

/// Whether `z` wei of deposit may leave the effective total: `Dec(L) ≥ Dec(Z).Quo(rate)`.
///
/// Mirrors `x/register` `Keeper.IsUnbondable` ("to prevent remainingOzoneLimit from being
/// negative").
pub fn is_unbondable(l: Amount, z: Amount, rate: Dec) -> Result<bool, Error> {
    Ok(dec(l) >= dec(z).quo(rate)?)
}

/// The remaining Ozone limit after `z` wei of deposit leaves the effective total `s_before`:
/// `TruncateInt(Dec(L) − Dec(Z).Quo(rate))` (so a fractional `Z/rate` takes its ceiling off an
/// integer `L`), and `L` unchanged when `s_before` was zero. Expects [`is_unbondable`];
/// otherwise [`Error::Underflow`] (the chain would store a negative limit).
///
/// Mirrors `x/register` `Keeper.DecreaseOzoneLimitBySubtractDeposit`.
pub fn limit_after_withdrawal(
    s_before: Amount,
    l: Amount,
    z: Amount,
    rate: Dec,
) -> Result<Amount, Error> {
    if s_before.is_zero() {
        return Ok(l);
    }
    trunc(dec(l).checked_sub(dec(z).quo(rate)?)?)
}

/// `IncreaseOzoneLimitByAddDeposit` of `z` wei on the chain's limit when it stands `debt` below
/// `l` (a suspension took more than L had, [`limit_below_zero`]): the chain's new limit is
/// `TruncateInt(Dec(l − debt) + Dec(Z).Quo(rate))`, truncated toward zero, and `l − debt`
/// unchanged when `s_before` was zero. Returns it as (the limit, at least zero; how far it stays
/// below zero): `(⌊a⌋ − debt, 0)` for `a = Dec(l) + Dec(Z).Quo(rate)` when `⌊a⌋ ≥ debt`, else
/// `(0, debt − ⌈a⌉)`.
pub fn limit_after_deposit_with_debt(
    s_before: Amount,
    l: Amount,
    z: Amount,
    rate: Dec,
    debt: Amount,
) -> Result<(Amount, Amount), Error> {
    if s_before.is_zero() {
        return Ok((l, debt));
    }
    let a = dec(l).checked_add(dec(z).quo(rate)?)?;
    match trunc(a)?.checked_sub(debt) {
        Ok(l) => Ok((l, Amount::ZERO)),
        Err(_) => Ok((Amount::ZERO, Amount(debt.0 - a.ceil_int()?))),
    }
}

/// What a suspension of `z` wei of deposit that is not [`is_unbondable`] would take from `L`
/// below zero on the chain: `TruncateInt(Dec(L) − Dec(Z).Quo(rate))` of an integer `L` below
/// `Z/rate` is `L − ⌊Z/rate⌋` (truncation toward zero), so `TruncateInt(Dec(Z).Quo(rate))`
/// below `L`.
pub fn limit_below_zero(z: Amount, rate: Dec) -> Result<Amount, Error> {
    trunc(dec(z).quo(rate)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ergon_core::{Rounding, mul_div};

    const STOS: u128 = 1_000_000_000_000_000_000;
    const A: fn(u128) -> Amount = Amount;

    fn d(text: &str) -> Dec {
        text.parse().unwrap()
    }

    /// The chain's `x/pot` msg_server_test (`TestMsgVolumeReport`): S = 20, P = 10, L = 10,
    /// rate = 1, Y = 10 settled by one resource node, tier 0 (80 STOS, 60/20/20 %), community
    /// tax 2% (the `x/pot` default), no bonded meta node. The chain's mocked transfers: 3 wei
    /// from the prepay pool and 16e18 from the foundation to the fee collector (validators),
    /// 8 wei and 48e18 to the nodes' reward pool, 0 to the community pool; L becomes 20.
    #[test]
    fn chain_golden_volume_report() {
        let (s, p, l, y, rate) = (A(20), A(10), A(10), A(10), deposit_rate(1));
        assert!(!exceeds_noz_supply(s, l, y, rate).unwrap()); // 10 + 10 ≤ ⌊20 / 1⌋
        let r = traffic_reward(s, p, l, y).unwrap();
        assert_eq!(r, Dec::from_int(15)); // 30 · 10 / 20
        let bps = [6000, 2000, 2000];
        let t = split(r, &bps).unwrap();
        assert_eq!(t, Parts { resource: A(9), meta: A(3), stake: A(3) });
        let m = split(Dec::from_int(80 * STOS), &bps).unwrap();
        assert_eq!(m, Parts { resource: A(48 * STOS), meta: A(16 * STOS), stake: A(16 * STOS) });
        let node = resource_node_reward(m.resource, t.resource, y, y, ppm(20_000)).unwrap();
        // 9 · 1 = 9 before tax; tax 0.18; ⌊8.82⌋ = 8 after; ⌊0.18⌋ = 0 to the community pool.
        assert_eq!(node.mining, A(48 * STOS));
        assert_eq!(node.traffic, A(8));
        assert_eq!(node.tax, d("0.18"));
        assert_eq!(node.tax.truncate_int().unwrap(), 0);
        // Validators: the stake parts; from P only 3 + 8 + 0 = 11 leave (the meta part and the
        // 0.82 + 0.18 of truncation stay in P: the chain's bank would need P ≥ 11).
        assert_eq!(t.stake.0 + node.traffic.0, 11);
        // L += TruncateInt(Y) after the rewards.
        assert_eq!(l.checked_add(y).unwrap(), A(20));
    }

    /// PREPAY: `Quo` rounds L·X/(S+P+X) = 999000999000998.99999…9990 (the gap to the next
    /// integer is about 1e-24, below half a unit of the 18th decimal) up to
    /// 999000999000999.000000000000000000, so the chain buys one noz more than the exact floor.
    /// S = 1,000,000 STOS, P = 0, L = S / 1e6 = 10^18 noz, X = 10^21 − 1001 wei: S + X divides
    /// L·S − 1 (= (10^21 − 1)(10^21 + 1), and 1001 | 10^21 + 1), so L·X ≡ −1 (mod S + X).
    #[test]
    fn prepay_rounds_to_floor_plus_one() {
        let (s, p, l, x) = (A(1_000_000 * STOS), A(0), A(STOS), A(1_000 * STOS - 1001));
        let exact = A(mul_div(l.0, x.0, s.0 + p.0 + x.0, Rounding::Down).unwrap());
        let chain = prepay_noz(s, p, l, x).unwrap();
        assert_eq!(exact, A(999_000_999_000_998));
        assert_eq!(chain, A(999_000_999_000_999));
        // Why: D = S + X = 1001 · (10^21 − 1) divides (10^21 − 1)(10^21 + 1) = L·S − 1, and
        // L·X = L·D − L·S ≡ −1 (mod D): the exact quotient is 999000999000999 − 1/D.
        let denom = s.0 + x.0;
        assert_eq!(denom, 1001 * (1_000 * STOS - 1));
        assert_eq!((1_000 * STOS + 1) % 1001, 0);
        assert_eq!(mul_div(l.0, x.0, denom, Rounding::Up).unwrap(), chain.0);
    }

    /// Traffic shares are rounded half to even one by one: 4/6 → 0.666666666666666667,
    /// 1/6 → 0.166666666666666667 (twice): they sum to 1.000000000000000001, so 48 STOS of
    /// mining is paid as 32.000000000000000016 + 2 × 8.000000000000000016 (exact: 32 + 8 + 8).
    #[test]
    fn shares_rounded_up_pay_more_than_the_exact_split() {
        let (res_m, y, tax) = (A(48 * STOS), A(6), ppm(20_000));
        let big = resource_node_reward(res_m, A(0), A(4), y, tax).unwrap();
        let small = resource_node_reward(res_m, A(0), A(1), y, tax).unwrap();
        assert_eq!(big.mining, A(32 * STOS + 16));
        assert_eq!(small.mining, A(8 * STOS + 16));
        let exact = |vol: u128| A(mul_div(res_m.0, vol, y.0, Rounding::Down).unwrap());
        assert_eq!((exact(4), exact(1)), (A(32 * STOS), A(8 * STOS)));
        // Equal thirds round down: 3 × 0.333333333333333333 < 1, dust stays in the pool.
        let third = resource_node_reward(A(0), A(10), A(1), A(3), ppm(0)).unwrap();
        assert_eq!(third.traffic, A(3)); // ⌊10 · 0.333333333333333333⌋
    }

    #[test]
    fn meta_nodes_share_equally_and_pay_the_tax() {
        // metaT = 10 wei among 3: 3.333333333333333333 each, tax 2% = 0.066666666666666667,
        // after ⌊3.266666666666666666⌋ = 3.
        let r = meta_node_reward(A(16 * STOS), A(10), 3, ppm(20_000)).unwrap();
        assert_eq!(r.mining, A(5_333_333_333_333_333_333));
        assert_eq!(r.traffic, A(3));
        assert_eq!(r.tax, d("0.066666666666666667"));
    }

    #[test]
    fn tier_parts_truncate_one_by_one() {
        // 7 wei at 60/20/20: 4.2, 1.4, 1.4 truncate to 4 + 1 + 1; 1 wei stays in the pool.
        let p = split(Dec::from_int(7), &[6000, 2000, 2000]).unwrap();
        assert_eq!(p, Parts { resource: A(4), meta: A(1), stake: A(1) });
        // A Dec reward keeps its fraction until each part truncates: 15.5 → 9.3, 3.1, 3.1.
        let p = split(d("15.5"), &[6000, 2000, 2000]).unwrap();
        assert_eq!(p, Parts { resource: A(9), meta: A(3), stake: A(3) });
    }

    #[test]
    fn the_supply_guard() {
        // ⌊S / rate⌋ = ⌊2,500,000 / 1,000,000⌋ = 2 noz.
        let (s, rate) = (A(2_500_000), deposit_rate(1_000_000));
        assert_eq!(noz_supply(s, rate).unwrap(), A(2));
        assert!(!exceeds_noz_supply(s, A(1), A(1), rate).unwrap());
        assert!(exceeds_noz_supply(s, A(2), A(1), rate).unwrap());
    }

    #[test]
    fn deposits_move_the_limit_as_the_chain() {
        let rate = deposit_rate(2);
        // S was 0: no limit added.
        assert_eq!(limit_after_deposit(A(0), A(7), A(5), rate).unwrap(), A(7));
        // ⌊7 + 2.5⌋ = 9.
        assert_eq!(limit_after_deposit(A(1), A(7), A(5), rate).unwrap(), A(9));
        // ⌊10 − 2.5⌋ = 7: the ceiling of Z/rate leaves.
        assert_eq!(limit_after_withdrawal(A(1), A(10), A(5), rate).unwrap(), A(7));
        assert_eq!(limit_after_withdrawal(A(0), A(10), A(5), rate).unwrap(), A(10));
        // IsUnbondable: L ≥ Z/rate, compared as decimals.
        assert!(is_unbondable(A(3), A(5), rate).unwrap());
        assert!(!is_unbondable(A(2), A(5), rate).unwrap());
        assert!(is_unbondable(A(3), A(6), rate).unwrap());
        assert!(matches!(
            limit_after_withdrawal(A(1), A(2), A(5), rate),
            Err(Error::Underflow { .. })
        ));
    }

    #[test]
    fn prepay_with_the_default_rate() {
        // Seed-sized market: S = 1,000,000 STOS, L = 10^18 noz, X = 250,000 STOS buys exactly
        // 2·10^17 noz (no rounding at all).
        let l = prepay_noz(A(1_000_000 * STOS), A(0), A(STOS), A(250_000 * STOS)).unwrap();
        assert_eq!(l, A(200_000_000_000_000_000));
    }
}
