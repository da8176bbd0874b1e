//! Issuance schedules: how much new token each epoch mints, and how it splits among recipient
//! classes.
//!
//! Owns [`EmissionSchedule`] — a piecewise [`Tier`] table keyed by the total already emitted
//! (a reward per epoch that steps down as issuance proceeds) or a geometric decay by epoch
//! (Trias: `E_0` halved every `H` epochs; Phala: the budget × 0.75 every halving period) — the
//! per-epoch result [`Emission`], where the end of issuance is a typed state rather than a panic,
//! and [`split_amount`], the exact basis-point split with its dust returned.
//!
//! All amounts are base units; every division rounds down and what it leaves is returned, never
//! lost (STYLE rule 6). Core holds no economy's figures: each economy builds its own schedules
//! from its parameters.

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::arith::{Rounding, mul_div};
use crate::error::{Error, Result};

/// The sum of a valid split: shares are in basis points of 1/10_000.
pub const SPLIT_TOTAL_BP: u32 = 10_000;

/// One row of a [`EmissionSchedule::Table`]: from the threshold `from` (on the total emitted) up
/// to the next row's threshold, each epoch emits `reward`, split by `split`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The total emitted (base units) from which this tier applies.
    pub from: Amount,
    /// The reward per epoch, in base units.
    pub reward: Amount,
    /// Shares in basis points, one per recipient class, summing to 10_000.
    pub split: Vec<u32>,
}

/// An issuance schedule. Call [`EmissionSchedule::validate`] once (scenario loading does);
/// [`EmissionSchedule::emission`] then gives each epoch's reward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EmissionSchedule {
    /// A reward per epoch chosen by the total emitted before the epoch. Thresholds strictly
    /// increase; the first tier starts at 0 or at an offset (totals below it use the first tier);
    /// the last tier runs until the total reaches `end`.
    Table {
        /// The tiers, by increasing threshold.
        tiers: Vec<Tier>,
        /// The total at which issuance ends; the last reward is clamped so it is never exceeded.
        end: Amount,
    },
    /// A reward per epoch that decays by `ratio_num / ratio_den` every `period_epochs`: in period
    /// `k = epoch / period_epochs` it is `initial` with `k` successive exact multiplications by
    /// the ratio, each rounded down (`mul_div(r, num, den, Down)`, repeated — not a rounded
    /// power). Halving is 1/2; Phala's decay is 3/4.
    Geometric {
        /// The reward per epoch in period 0, in base units.
        initial: Amount,
        /// Numerator of the decay ratio per period (below the denominator).
        #[serde(with = "wide_int")]
        ratio_num: u128,
        /// Denominator of the decay ratio per period.
        #[serde(with = "wide_int")]
        ratio_den: u128,
        /// Epochs per period.
        period_epochs: u64,
        /// Shares in basis points, one per recipient class, summing to 10_000.
        split: Vec<u32>,
        /// Issuance ends at the first period whose reward is below `floor` (or zero).
        floor: Amount,
        /// Optional cap on the total emitted: the last reward is clamped to reach it exactly.
        cap: Option<Amount>,
    },
}

/// Serde for u128 integers of inputs (the emission's ratio terms, other crates' wide
/// parameters): an integer when it fits a u64, else a decimal string; reads either, so a value
/// above 2^64 − 1 (beyond a JSON or TOML number here) is given as a string of digits.
/// (Internally tagged enums cannot carry a u128 through serde directly.)
pub mod wide_int {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `n` as an integer when it fits a u64, else as a decimal string.
    pub fn serialize<S: Serializer>(n: &u128, s: S) -> Result<S::Ok, S::Error> {
        match u64::try_from(*n) {
            Ok(small) => s.serialize_u64(small),
            Err(_) => s.collect_str(n),
        }
    }

    /// Reads a non-negative integer or a decimal string of digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Text(String),
        }
        match Raw::deserialize(d)
            .map_err(|_| serde::de::Error::custom("expected an integer or a string of digits"))?
        {
            Raw::Int(n) => Ok(u128::from(n)),
            Raw::Text(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
                t.parse().map_err(serde::de::Error::custom)
            }
            Raw::Text(t) => Err(serde::de::Error::custom(format!("expected digits, got {t:?}"))),
        }
    }

    /// [`deserialize`] for an optional field (`#[serde(default, deserialize_with = ...)]`):
    /// present, the value; `null`, none (as when left out).
    pub fn deserialize_some<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u128>, D::Error> {
        #[derive(Deserialize)]
        struct Wide(#[serde(deserialize_with = "deserialize")] u128);
        Ok(Option::<Wide>::deserialize(d)?.map(|w| w.0))
    }
}

/// One epoch's issuance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emission<'a> {
    /// Mint `amount` this epoch and split it by `split`.
    Reward {
        /// Base units to mint (after any clamping to the schedule's end or cap).
        amount: Amount,
        /// The tier's index ([`EmissionSchedule::Table`]) or the period's index `epoch /
        /// period_epochs` ([`EmissionSchedule::Geometric`]).
        tier: usize,
        /// Shares in basis points, one per recipient class.
        split: &'a [u32],
    },
    /// Issuance is over: nothing more is minted, now or later.
    Ended,
}

impl Emission<'_> {
    /// The amount to mint: zero once issuance has ended.
    #[must_use]
    pub fn amount(&self) -> Amount {
        match self {
            Emission::Reward { amount, .. } => *amount,
            Emission::Ended => Amount::ZERO,
        }
    }

    /// True once issuance has ended.
    #[must_use]
    pub fn is_ended(&self) -> bool {
        matches!(self, Emission::Ended)
    }
}

/// An [`Error::InvalidParameter`] for a schedule field.
fn invalid(name: impl Into<String>, value: impl ToString, reason: impl Into<String>) -> Error {
    Error::InvalidParameter { name: name.into(), value: value.to_string(), reason: reason.into() }
}

/// Checks that `split` sums to exactly 10_000 basis points.
fn validate_split(name: &str, split: &[u32]) -> Result<()> {
    let sum: u64 = split.iter().map(|&s| u64::from(s)).sum();
    if sum != u64::from(SPLIT_TOTAL_BP) {
        return Err(invalid(
            name,
            format!("{split:?}"),
            format!("shares sum to {sum} basis points, must be {SPLIT_TOTAL_BP}"),
        ));
    }
    Ok(())
}

/// Checks a [`EmissionSchedule::Table`]: at least one tier, positive rewards, valid splits of
/// one length, strictly increasing thresholds and an `end` above the last; amounts quoted by
/// `show`.
fn validate_table(tiers: &[Tier], end: Amount, show: &dyn Fn(Amount) -> String) -> Result<()> {
    let Some(last) = tiers.last() else {
        return Err(invalid("tiers", "[]", "at least one tier is required"));
    };
    let classes = tiers[0].split.len();
    for (i, tier) in tiers.iter().enumerate() {
        if tier.reward.is_zero() {
            return Err(invalid(
                format!("tiers[{i}].reward"),
                show(tier.reward),
                "must be positive",
            ));
        }
        validate_split(&format!("tiers[{i}].split"), &tier.split)?;
        if tier.split.len() != classes {
            return Err(invalid(
                format!("tiers[{i}].split"),
                format!("{:?}", tier.split),
                format!("has {} shares, tiers[0] has {classes}", tier.split.len()),
            ));
        }
        if i > 0 && tier.from <= tiers[i - 1].from {
            return Err(invalid(
                format!("tiers[{i}].from"),
                show(tier.from),
                format!("must be above tiers[{}].from = {}", i - 1, show(tiers[i - 1].from)),
            ));
        }
    }
    if end <= last.from {
        return Err(invalid(
            "end",
            show(end),
            format!("must be above the last tier's threshold {}", show(last.from)),
        ));
    }
    Ok(())
}

impl EmissionSchedule {
    /// Checks the schedule, naming the first bad field and its value in an
    /// [`Error::InvalidParameter`]: an empty table, a zero reward, thresholds that do not
    /// strictly increase, an `end` not above the last threshold, splits that do not sum to
    /// 10_000 or differ in length between tiers, a zero `initial`, a zero denominator, a ratio
    /// of 1 or more, a zero period. Amounts are quoted in base units.
    pub fn validate(&self) -> Result<()> {
        self.validate_showing(&|a: Amount| a.0.to_string())
    }

    /// [`EmissionSchedule::validate`], quoting the amounts by `show` (in the token's units, as an
    /// economy's parameters write them).
    pub fn validate_showing(&self, show: &dyn Fn(Amount) -> String) -> Result<()> {
        match self {
            EmissionSchedule::Table { tiers, end } => validate_table(tiers, *end, show),
            EmissionSchedule::Geometric {
                initial,
                ratio_num,
                ratio_den,
                period_epochs,
                split,
                ..
            } => {
                if initial.is_zero() {
                    return Err(invalid("initial", show(*initial), "must be positive"));
                }
                if *ratio_den == 0 {
                    return Err(invalid("ratio_den", 0, "must be positive"));
                }
                if ratio_num >= ratio_den {
                    return Err(invalid(
                        "ratio_num",
                        format!("{ratio_num}/{ratio_den}"),
                        "the decay ratio must be below 1",
                    ));
                }
                if *period_epochs == 0 {
                    return Err(invalid("period_epochs", 0, "must be positive"));
                }
                validate_split("split", split)
            }
        }
    }

    /// The issuance of epoch `epoch`, given `total_emitted` by this schedule before it.
    ///
    /// - `Table`: the tier is the last whose threshold is ≤ `total_emitted` (the first tier below
    ///   the first threshold); `epoch` is not used. The reward is clamped to `end −
    ///   total_emitted`, so the total lands exactly on `end`; from there on, [`Emission::Ended`].
    /// - `Geometric`: the reward of period `epoch / period_epochs` (see the variant), clamped to
    ///   `cap − total_emitted` when a cap is set; [`Emission::Ended`] once the reward is below
    ///   `floor` or zero, or the cap is reached. Cost: O(min(period, periods until the reward
    ///   falls below `floor`)) multiplications — the reward strictly decreases every period.
    ///
    /// Expects a schedule that passed [`EmissionSchedule::validate`]; on one that did not, the
    /// result is [`Emission::Ended`] wherever the numbers make no sense — never a panic.
    #[must_use]
    pub fn emission(&self, epoch: u64, total_emitted: Amount) -> Emission<'_> {
        match self {
            EmissionSchedule::Table { tiers, end } => {
                if tiers.is_empty() || total_emitted >= *end {
                    return Emission::Ended;
                }
                let tier = tiers.partition_point(|t| t.from <= total_emitted).saturating_sub(1);
                let row = &tiers[tier];
                let amount = row.reward.min(end.saturating_sub(total_emitted));
                Emission::Reward { amount, tier, split: &row.split }
            }
            EmissionSchedule::Geometric {
                initial,
                ratio_num,
                ratio_den,
                period_epochs,
                split,
                floor,
                cap,
            } => {
                if *period_epochs == 0 || ratio_num >= ratio_den {
                    return Emission::Ended;
                }
                let room = match cap {
                    Some(cap) if total_emitted >= *cap => return Emission::Ended,
                    Some(cap) => cap.saturating_sub(total_emitted),
                    None => Amount::MAX,
                };
                let period = epoch / period_epochs;
                let ended = |r: Amount| r.is_zero() || r < *floor;
                let mut reward = *initial;
                // Strictly decreasing (ratio < 1, rounded down), so this stops early.
                for _ in 0..period {
                    if ended(reward) {
                        return Emission::Ended;
                    }
                    match mul_div(reward.0, *ratio_num, *ratio_den, Rounding::Down) {
                        Ok(next) => reward = Amount(next),
                        Err(_) => return Emission::Ended,
                    }
                }
                if ended(reward) {
                    return Emission::Ended;
                }
                let tier = usize::try_from(period).unwrap_or(usize::MAX);
                Emission::Reward { amount: reward.min(room), tier, split }
            }
        }
    }
}

/// Splits `amount` by basis-point shares: part `i` is `floor(amount × split[i] / 10_000)`, and
/// what the floors leave is returned as dust, so `Σ parts + dust == amount` exactly.
///
/// Shares are expected to sum to 10_000 (a validated schedule's do). If they sum to more, each
/// part is clamped to what is left after the earlier ones, so conservation still holds.
#[must_use]
pub fn split_amount(amount: Amount, split: &[u32]) -> (Vec<Amount>, Amount) {
    let mut left = amount;
    let parts = split
        .iter()
        .map(|&bp| {
            let share =
                mul_div(amount.0, u128::from(bp), u128::from(SPLIT_TOTAL_BP), Rounding::Down)
                    .map_or(left, Amount)
                    .min(left);
            left = left.saturating_sub(share);
            share
        })
        .collect();
    (parts, left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A whole unit of an 18-decimal token.
    const UNIT: u128 = 1_000_000_000_000_000_000;

    fn units(whole: u128) -> Amount {
        Amount(whole * UNIT)
    }

    fn reward(e: Emission<'_>) -> (Amount, usize, Vec<u32>) {
        match e {
            Emission::Reward { amount, tier, split } => (amount, tier, split.to_vec()),
            Emission::Ended => panic!("issuance ended"),
        }
    }

    /// A table schedule from `(threshold, reward, split)` rows.
    fn table(rows: &[(u128, u128, &[u32])], end: u128) -> EmissionSchedule {
        let tier = |&(from, reward, split): &(u128, u128, &[u32])| Tier {
            from: Amount(from),
            reward: Amount(reward),
            split: split.to_vec(),
        };
        EmissionSchedule::Table { tiers: rows.iter().map(tier).collect(), end: Amount(end) }
    }

    #[test]
    fn table_clamps_the_last_reward_to_end() {
        let s = table(&[(0, 7, &[10_000]), (10, 3, &[10_000])], 18);
        s.validate().unwrap();
        let mut total = Amount::ZERO;
        let mut seen = Vec::new();
        for epoch in 0.. {
            match s.emission(epoch, total) {
                Emission::Reward { amount, tier, .. } => {
                    seen.push((amount.0, tier));
                    total = total.checked_add(amount).unwrap();
                }
                Emission::Ended => break,
            }
        }
        // 0 → 7 → 14 (tier chosen before the epoch, so 7 → 14 still pays 7) → 17 → 18.
        assert_eq!(seen, [(7, 0), (7, 0), (3, 1), (1, 1)]);
        assert_eq!(total, Amount(18));
        assert_eq!(s.emission(0, Amount(18)).amount(), Amount::ZERO);
        assert!(s.emission(0, Amount(19)).is_ended());
    }

    fn halving(floor: u128, cap: Option<u128>) -> EmissionSchedule {
        EmissionSchedule::Geometric {
            initial: Amount(100),
            ratio_num: 1,
            ratio_den: 2,
            period_epochs: 10,
            split: vec![5000, 3000, 2000],
            floor: Amount(floor),
            cap: cap.map(Amount),
        }
    }

    #[test]
    fn geometric_halving() {
        let s = halving(0, None);
        s.validate().unwrap();
        let at = |epoch| s.emission(epoch, Amount::ZERO);
        for epoch in 0..10 {
            assert_eq!(reward(at(epoch)), (Amount(100), 0, vec![5000, 3000, 2000]));
        }
        for epoch in 10..20 {
            assert_eq!(reward(at(epoch)).0, Amount(50));
        }
        assert_eq!(reward(at(25)), (Amount(25), 2, vec![5000, 3000, 2000]));
        // 100, 50, 25, 12, 6, 3, 1, then 0: ended.
        assert_eq!(reward(at(39)).0, Amount(12));
        assert_eq!(reward(at(69)).0, Amount(1));
        assert!(at(70).is_ended());
        assert!(at(u64::MAX).is_ended());
        // A floor ends issuance earlier.
        let s = halving(10, None);
        assert_eq!(s.emission(39, Amount::ZERO).amount(), Amount(12));
        assert!(s.emission(40, Amount::ZERO).is_ended());
        // A cap clamps the last reward, then ends.
        let s = halving(0, Some(120));
        assert_eq!(s.emission(0, Amount(100)).amount(), Amount(20));
        assert!(s.emission(0, Amount(120)).is_ended());
    }

    #[test]
    fn phala_budget_decays_by_three_quarters_exactly() {
        // 187.8783 PHA per block (12 decimals), × 0.75 every 180 days of 12-second blocks.
        let period = 180 * 7_200;
        let s = EmissionSchedule::Geometric {
            initial: Amount(187_878_300_000_000),
            ratio_num: 3,
            ratio_den: 4,
            period_epochs: period,
            split: vec![8000, 2000],
            floor: Amount(0),
            cap: Some(Amount(700_000_000 * 1_000_000_000_000)),
        };
        s.validate().unwrap();
        let expected: [u128; 7] = [
            187_878_300_000_000,
            140_908_725_000_000,
            105_681_543_750_000,
            79_261_157_812_500,
            59_445_868_359_375,
            44_584_401_269_531, // floor of …531.25
            33_438_300_952_148, // floor of 44_584_401_269_531 × 3/4 = …148.25
        ];
        for (k, want) in expected.iter().enumerate() {
            let k = k as u64;
            assert_eq!(s.emission(k * period, Amount::ZERO).amount(), Amount(*want));
            assert_eq!(s.emission(k * period + period - 1, Amount::ZERO).amount(), Amount(*want));
        }
    }

    #[test]
    fn validate_names_the_bad_field() {
        let geo =
            |ratio_num, ratio_den, period_epochs, split: &[u32]| EmissionSchedule::Geometric {
                initial: Amount(100),
                ratio_num,
                ratio_den,
                period_epochs,
                split: split.to_vec(),
                floor: Amount(0),
                cap: None,
            };
        let all: &[u32] = &[10_000];
        let cases = [
            (table(&[], 10), "tiers"),
            (table(&[(0, 5, all), (5, 5, all), (5, 5, all)], 9), "tiers[2].from"),
            (table(&[(0, 5, &[6000, 3000])], 10), "tiers[0].split"),
            (table(&[(0, 5, all), (5, 5, &[5000, 5000])], 9), "tiers[1].split"),
            (table(&[(0, 5, all), (5, 5, all)], 5), "end"),
            (table(&[(0, 0, all)], 5), "tiers[0].reward"),
            (geo(2, 2, 10, all), "ratio_num"),
            (geo(3, 2, 10, all), "ratio_num"),
            (geo(0, 0, 10, all), "ratio_den"),
            (geo(1, 2, 0, all), "period_epochs"),
            (geo(1, 2, 10, &[10_001]), "split"),
        ];
        for (schedule, field) in &cases {
            match schedule.validate().unwrap_err() {
                Error::InvalidParameter { name, .. } => assert_eq!(name, *field),
                e => panic!("{e}"),
            }
            // Invalid schedules still never panic.
            assert!(schedule.emission(1_000, Amount(10)).is_ended());
        }
        assert_eq!(
            cases[2].0.validate().unwrap_err().to_string(),
            "invalid parameter tiers[0].split = [6000, 3000]: \
             shares sum to 9000 basis points, must be 10000"
        );
    }

    #[test]
    fn serde_roundtrip() {
        let mut wide = halving(3, Some(1_000));
        if let EmissionSchedule::Geometric { ratio_num, ratio_den, .. } = &mut wide {
            (*ratio_num, *ratio_den) = (u128::MAX - 1, u128::MAX);
        }
        assert!(serde_json::to_string(&wide).unwrap().contains(&format!("\"{}\"", u128::MAX)));
        let stepped = table(&[(0, 80, &[6000, 4000]), (1_000, 40, &[7000, 3000])], 5_000);
        for s in [stepped, halving(3, Some(1_000)), wide] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<EmissionSchedule>(&json).unwrap(), s);
        }
        let text = r#"{"kind":"geometric","initial":"100","ratio_num":1,"ratio_den":2,
            "period_epochs":10,"split":[10000],"floor":"0","cap":null}"#;
        let s: EmissionSchedule = serde_json::from_str(text).unwrap();
        assert_eq!(s.emission(10, Amount::ZERO).amount(), Amount(50));
        assert!(
            serde_json::from_str::<EmissionSchedule>(&text.replace("\"floor\"", "\"flor\""))
                .is_err()
        );
    }

    #[test]
    fn split_amount_floors_and_returns_dust() {
        let (parts, dust) = split_amount(units(80), &[6000, 2000, 2000]);
        assert_eq!(parts, [units(48), units(16), units(16)]);
        assert_eq!(dust, Amount::ZERO);
        let (parts, dust) = split_amount(Amount(7), &[3333, 3333, 3334]);
        assert_eq!(parts, [Amount(2), Amount(2), Amount(2)]);
        assert_eq!(dust, Amount(1));
        assert_eq!(split_amount(Amount::MAX, &[10_000]), (vec![Amount::MAX], Amount::ZERO));
        assert_eq!(split_amount(Amount(5), &[]), (vec![], Amount(5)));
    }

    /// Basis-point splits summing to 10_000, from sorted cut points.
    fn valid_split() -> impl Strategy<Value = Vec<u32>> {
        prop::collection::vec(0u32..=SPLIT_TOTAL_BP, 0..6).prop_map(|mut cuts| {
            cuts.sort_unstable();
            cuts.push(SPLIT_TOTAL_BP);
            let mut last = 0;
            cuts.iter().map(|&c| c - std::mem::replace(&mut last, c)).collect()
        })
    }

    proptest! {
        #[test]
        fn split_amount_conserves(amount in any::<u128>(), split in valid_split()) {
            let (parts, dust) = split_amount(Amount(amount), &split);
            prop_assert_eq!(parts.len(), split.len());
            let sum: u128 = parts.iter().map(|p| p.0).sum::<u128>() + dust.0;
            prop_assert_eq!(sum, amount);
            // Each floor loses less than one base unit.
            prop_assert!(dust.0 < split.len() as u128);
        }

        #[test]
        fn split_amount_conserves_even_for_bad_splits(
            amount in any::<u128>(),
            split in prop::collection::vec(any::<u32>(), 0..5),
        ) {
            let (parts, dust) = split_amount(Amount(amount), &split);
            let sum = parts.iter().try_fold(dust.0, |acc, p| acc.checked_add(p.0));
            prop_assert_eq!(sum, Some(amount));
        }
    }
}
