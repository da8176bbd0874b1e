//! Tests of the one-word draws: the words that decide a draw alone, the rest of the real drawn
//! at a tie, both held to the draws' definitions in big integers; worked examples; frequencies.

use super::super::alias::Divisor;
use super::*;
use num_bigint::BigUint;
use num_traits::ToPrimitive;

fn big(v: u128) -> BigUint {
    BigUint::from(v)
}

/// 2^64.
fn word() -> BigUint {
    BigUint::from(1u8) << 64u32
}

/// The alias table's draw at the real `U = a / b`, by its definition: column `j = ⌊U·n⌋`, the
/// column itself when `frac(U·n) < prob[j] / W`, else its alias.
fn alias_draw_at(t: &AliasTable, a: &BigUint, b: &BigUint) -> usize {
    let n = BigUint::from(t.len());
    let j = (a * &n / b).to_usize().expect("a column");
    let frac = a * &n - BigUint::from(j) * b; // frac(U·n) = frac / b
    if frac * big(t.total) < big(t.prob[j]) * b { j } else { t.alias[j] as usize }
}

/// The boundaries of an alias table's draws, in units of `1 / (n·W)` of `U`: `j·W` and
/// `j·W + prob[j]` for every column.
fn alias_boundaries(t: &AliasTable) -> Vec<BigUint> {
    let w = big(t.total);
    (0..t.len())
        .flat_map(|j| [BigUint::from(j) * &w, BigUint::from(j) * &w + big(t.prob[j])])
        .collect()
}

/// The tree's draw at the real `U = a / b`, by its definition: the first item `i` with
/// `U·W < prefix_sum(i + 1)`, by a linear scan.
fn tree_draw_at(weights: &[u64], a: &BigUint, b: &BigUint) -> usize {
    let w: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    let mut sum = 0u128;
    for (i, &wi) in weights.iter().enumerate() {
        sum += u128::from(wi);
        if big(sum) * b > a * big(w) {
            return i;
        }
    }
    unreachable!("U < 1")
}

/// Whether a boundary `bound / d` of `U` lies strictly inside the word's window
/// `(x / 2^64, (x + 1) / 2^64)`.
fn inside(bound: &BigUint, x: u64, d: u128) -> bool {
    let (lo, hi) = (BigUint::from(x) * big(d), (BigUint::from(x) + 1u8) * big(d));
    let b = bound << 64u32;
    lo < b && b < hi
}

/// For the word `x` and the rest `y` in `[0, d)`: the left end and the middle of the slice of
/// `U` they stand for, `(x·d + y) / (2^64·d)` and `(x·d + y + 1/2) / (2^64·d)`.
fn slice_points(x: u64, y: u128, d: u128) -> [(BigUint, BigUint); 2] {
    let a = BigUint::from(x) * big(d) + big(y);
    let b = word() * big(d);
    [(a.clone(), b.clone()), (a * 2u8 + 1u8, b * 2u8)]
}

/// Every word the alias table decides alone is right for its whole window (no boundary inside,
/// the definition's draw at its left end), and the rest settles every slice as the definition
/// does at both its ends.
fn check_alias_word(t: &AliasTable, bounds: &[BigUint], x: u64, ys: &[u128]) {
    let d = t.len() as u128 * t.total;
    if let Some(i) = t.sure(x) {
        assert!(bounds.iter().all(|b| !inside(b, x, d)), "word {x} decided across a boundary");
        assert_eq!(i, alias_draw_at(t, &BigUint::from(x), &word()), "word {x}");
    }
    for &y in ys.iter().filter(|&&y| y < d) {
        for (a, b) in slice_points(x, y, d) {
            assert_eq!(t.settle(x, y), alias_draw_at(t, &a, &b), "word {x}, rest {y}");
        }
    }
}

/// As [`check_alias_word`], for the tree of `weights`.
fn check_tree_word(t: &SumTree, x: u64, ys: &[u128]) {
    let d = t.total();
    if let Some(i) = t.sure(x) {
        let bounds = (1..t.len()).map(|i| big(t.prefix_sum(i)));
        assert!(bounds.into_iter().all(|b| !inside(&b, x, d)), "word {x} decided across one");
        assert_eq!(i, tree_draw_at(t.weights(), &BigUint::from(x), &word()), "word {x}");
    }
    for &y in ys.iter().filter(|&&y| y < d) {
        for (a, b) in slice_points(x, y, d) {
            assert_eq!(t.settle(x, y), tree_draw_at(t.weights(), &a, &b), "word {x}, rest {y}");
        }
    }
}

/// The word whose window holds the boundary `bound / d` of `U` (none past the last word), and
/// the rest at which `U` reaches it: `bound·2^64 = x·d + y`.
fn tie(bound: &BigUint, d: u128) -> Option<(u64, u128)> {
    let scaled = bound << 64u32;
    let x: BigUint = &scaled / big(d);
    let x = x.to_u64()?;
    let y = (scaled - BigUint::from(x) * big(d)).to_u128().expect("below d");
    Some((x, y))
}

/// The rests around a tie at `y`, and the two ends of the range.
fn around(y: u128, d: u128) -> [u128; 5] {
    [y.saturating_sub(1), y, y.saturating_add(1), 0, d - 1]
}

#[test]
fn alias_words_worked_example() {
    // [1, 3]: n = 2, W = 4; scaled weights 2 and 6: column 0 keeps 2 of 4 and lends the rest
    // to item 1, whose column keeps 6 − 2 = 4 = W. Cuts: 2·2^64 / 4 = 2^63, and 2^64 − 1.
    let t = AliasTable::new(&[1, 3]).unwrap();
    assert_eq!(
        (t.prob.clone(), t.alias.clone(), t.cut.clone()),
        (vec![2, 4], vec![1, 1], vec![1 << 63, u64::MAX])
    );
    // U below 1/4: item 0. The word 2^62 − 1 ends exactly at 1/4.
    assert_eq!(t.sure(0), Some(0));
    assert_eq!(t.sure((1 << 62) - 1), Some(0));
    // The word 2^62 starts at U = 1/4 exactly: one word cannot tell that the cut is exact,
    // and the rest (y in [0, 8)) gives ⌊U·8⌋ = 2, past column 0's part [0, 2): item 1.
    assert_eq!(t.sure(1 << 62), None);
    assert!((0..8).all(|y| t.settle(1 << 62, y) == 1));
    assert_eq!(t.sure((1 << 62) + 1), Some(1));
    assert_eq!(t.sure(1 << 63), Some(1));
    // The last word: frac(U·2)·2^64 in [2^64 − 2, 2^64), past the capped cut; ⌊U·8⌋ = 7, in
    // column 1's own part [4, 8).
    assert_eq!(t.sure(u64::MAX), None);
    assert!((0..8).all(|y| t.settle(u64::MAX, y) == 1));

    // [1, 2]: n = 2, W = 3; column 0 keeps 2 of 3 (item 0 below U = 1/3), column 1 keeps all.
    // x = ⌊2^64 / 3⌋ = 6148914691236517205 holds U = 1/3, since 2^64 = 3x + 1: U < 1/3 when
    // the rest V < 1/3, i.e. y = ⌊6V⌋ < 2.
    let t = AliasTable::new(&[1, 2]).unwrap();
    assert_eq!((t.prob.clone(), t.alias.clone()), (vec![2, 3], vec![1, 1]));
    assert_eq!(t.cut[0], 12_297_829_382_473_034_410); // ⌊2^65 / 3⌋
    let x = 6_148_914_691_236_517_205;
    assert_eq!((t.sure(x - 1), t.sure(x), t.sure(x + 1)), (Some(0), None, Some(1)));
    let settled: Vec<usize> = (0..6).map(|y| t.settle(x, y)).collect();
    assert_eq!(settled, [0, 0, 1, 1, 1, 1]);
}

#[test]
fn tree_words_worked_example() {
    // [1, 2], W = 3: item 0 while U·3 < 1. The same x = ⌊2^64 / 3⌋ holds U = 1/3: its window
    // of U·3·2^64 is [2^64 − 1, 2^64 + 2), so the rest y = ⌊3V⌋ decides: item 0 only for y = 0.
    let t = SumTree::from_weights(&[1, 2]);
    let x = 6_148_914_691_236_517_205;
    assert_eq!((t.sure(x - 1), t.sure(x), t.sure(x + 1)), (Some(0), None, Some(1)));
    assert_eq!([t.settle(x, 0), t.settle(x, 1), t.settle(x, 2)], [0, 1, 1]);
    assert_eq!((t.sure(0), t.sure(u64::MAX)), (Some(0), Some(1)));
    // W above 2^64: [2^64 − 1, 1, 2^64 − 1], W = 2^65 − 1; item 1 while 2^64 − 1 ≤ U·W < 2^64,
    // and a word's window of U·W is about 2 wide. x = 2^63 − 1 has x·W = 2^128 − 2^65 − 2^63 + 1,
    // which reaches (2^64 − 1)·2^64 at the rest y = 3·2^63 − 1; x + 1 = 2^63 has
    // (x + 1)·W = 2^128 − 2^63, which reaches 2^64·2^64 at y = 2^63.
    let t = SumTree::from_weights(&[u64::MAX, 1, u64::MAX]);
    let x: u64 = (1 << 63) - 1;
    let sure = [x - 1, x, x + 1, x + 2].map(|x| t.sure(x));
    assert_eq!(sure, [Some(0), None, None, Some(2)]);
    let at = |x: u64, ys: [u128; 4]| ys.map(|y| t.settle(x, y));
    assert_eq!(at(x, [0, (3 << 63) - 2, (3 << 63) - 1, (1 << 65) - 2]), [0, 0, 1, 1]);
    assert_eq!(at(x + 1, [0, (1 << 63) - 1, 1 << 63, (1 << 65) - 2]), [1, 1, 2, 2]);
}

/// `⌊r·2^64 / d⌋`.
fn fraction_digit(r: u128, d: u128) -> u64 {
    Divisor::new(d).digit(r)
}

#[test]
fn fraction_digits_worked_examples() {
    assert_eq!(fraction_digit(1, 2), 1 << 63);
    assert_eq!(fraction_digit(1, 3), 6_148_914_691_236_517_205);
    assert_eq!(fraction_digit(0, u128::MAX), 0);
    // (2^128 − 2)·2^64 / (2^128 − 1) = 2^64 − 2^64 / (2^128 − 1): just below 2^64.
    assert_eq!(fraction_digit(u128::MAX - 1, u128::MAX), u64::MAX);
    // 2^127·2^64 / (2^127 + 2^64) = 2^64 / (1 + 2^-63) = 2^64 − 2 + 4 / (2^63 + 1).
    assert_eq!(fraction_digit(1 << 127, (1 << 127) + (1 << 64)), u64::MAX - 1);
    // 2^64·2^64 / (2^64 + 1) = 2^64 − 1 + 1 / (2^64 + 1).
    assert_eq!(fraction_digit(1 << 64, (1 << 64) + 1), u64::MAX);
}

/// Alias tables whose draws have ties to settle: small and huge weights, `W` and `n·W` on both
/// sides of 2^64.
fn weight_lists() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(prop_oneof![Just(0u64), 1u64..8, any::<u64>(), Just(u64::MAX)], 1..12)
        .prop_filter("some positive weight", |w| w.iter().any(|&x| x > 0))
}

proptest! {
    #[test]
    fn fraction_digit_is_the_long_division(
        d in prop_oneof![1u128.., 1u128..1 << 70, Just(1u128), Just(1u128 << 127), Just(u128::MAX)],
        r in any::<u128>(),
        near in 0u128..1 << 20,
    ) {
        let divisor = Divisor::new(d);
        for r in [r % d, d - 1, (d - 1).saturating_sub(near), near.min(d - 1)] {
            let expected = (big(r) << 64u32) / big(d);
            prop_assert_eq!(BigUint::from(divisor.digit(r)), expected, "{} / {}", r, d);
        }
    }

    #[test]
    fn alias_draws_follow_the_definition(
        weights in weight_lists(),
        words in prop::collection::vec(any::<u64>(), 8),
        rest in any::<u128>(),
    ) {
        let t = AliasTable::new(&weights).unwrap();
        let bounds = alias_boundaries(&t);
        let d = t.len() as u128 * t.total;
        for (j, &p) in t.prob.iter().enumerate() {
            let exact: BigUint = (big(p) << 64u32) / big(t.total);
            let exact = exact.min(big(u128::from(u64::MAX)));
            prop_assert_eq!(big(u128::from(t.cut[j])), exact, "cut {}", j);
        }
        // Words at and around every boundary: the ties.
        for b in &bounds {
            if let Some((x, y)) = tie(b, d) {
                for x in [x.saturating_sub(1), x, x.saturating_add(1)] {
                    check_alias_word(&t, &bounds, x, &around(y, d));
                }
            }
        }
        // Any words.
        for x in words.into_iter().chain([0, u64::MAX]) {
            check_alias_word(&t, &bounds, x, &[rest % d, 0, d - 1]);
        }
    }

    #[test]
    fn tree_draws_follow_the_definition(
        weights in weight_lists(),
        words in prop::collection::vec(any::<u64>(), 8),
        rest in any::<u128>(),
    ) {
        let t = SumTree::from_weights(&weights);
        let d = t.total();
        for i in 1..t.len() {
            if let Some((x, y)) = tie(&big(t.prefix_sum(i)), d) {
                for x in [x.saturating_sub(1), x, x.saturating_add(1)] {
                    check_tree_word(&t, x, &around(y, d));
                }
            }
        }
        for x in words.into_iter().chain([0, u64::MAX]) {
            check_tree_word(&t, x, &[rest % d, 0, d - 1]);
        }
    }
}

/// Pearson's statistic of `counts` against the probabilities `w_i / W` (a test's own check, in
/// floating point).
fn chi_square(counts: &[u64], weights: &[u64]) -> f64 {
    let total: f64 = weights.iter().map(|&w| w as f64).sum();
    let draws = counts.iter().sum::<u64>() as f64;
    let expected = weights.iter().map(|&w| draws * w as f64 / total);
    counts.iter().zip(expected).map(|(&c, e)| (c as f64 - e).powi(2) / e).sum()
}

/// Eight weights summing above 2^64, the smallest near 2 % of the total.
const HEAVY: [u64; 8] = [
    u64::MAX,
    1 << 63,
    3 << 60,
    12_345_678_901_234_567_890,
    1 << 62,
    987_654_321_987_654_321,
    u64::MAX / 7,
    1 << 61,
];

/// A million draws of each sampler over [`HEAVY`] (fixed streams): Pearson's statistic, with 7
/// degrees of freedom, stays below 40 (its 99.99th percentile is about 29.9).
#[test]
fn a_million_draws_pass_a_chi_square_test() {
    let alias = AliasTable::new(&HEAVY).unwrap();
    let tree = SumTree::from_weights(&HEAVY);
    let (mut a, mut b) = (rng(&[21]), rng(&[22]));
    let (mut by_alias, mut by_tree) = ([0u64; 8], [0u64; 8]);
    for _ in 0..1_000_000 {
        by_alias[alias.sample(&mut a)] += 1;
        by_tree[tree.sample(&mut b).unwrap()] += 1;
    }
    let (x_alias, x_tree) = (chi_square(&by_alias, &HEAVY), chi_square(&by_tree, &HEAVY));
    assert!(x_alias < 40.0 && x_tree < 40.0, "{x_alias} {x_tree}: {by_alias:?} {by_tree:?}");
}
