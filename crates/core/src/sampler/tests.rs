//! Tests of the samplers: exact probabilities, frequencies, and the fast sampler's table.

use super::*;
use crate::rng::{RngStreams, Seed};
use proptest::prelude::*;

fn rng(path: &[u64]) -> StreamRng {
    RngStreams::new(Seed::from_u64(7)).stream(path)
}

/// The reference: a linear scan over the weights.
fn find_linear(weights: &[u64], target: u128) -> usize {
    let mut sum = 0u128;
    for (i, &w) in weights.iter().enumerate() {
        sum += u128::from(w);
        if sum > target {
            return i;
        }
    }
    weights.len()
}

fn check_frequencies(draws: &[usize], weights: &[u64]) {
    let total: u64 = weights.iter().sum();
    let n = draws.len() as u64;
    for (i, &w) in weights.iter().enumerate() {
        let got = draws.iter().filter(|&&d| d == i).count() as u64;
        let expected = n * w / total;
        // within ±3% of the expected count
        assert!(
            got * 100 >= expected * 97 && got * 100 <= expected * 103,
            "{i}: {got} vs {expected}"
        );
    }
}

#[test]
fn fast_draws_follow_the_weights_through_changes() {
    let weights = [5, 0, 20, 10, 65];
    let mut tree = SumTree::from_weights(&weights);
    let mut fast = FastSampler::new();
    let mut r = rng(&[11]);
    let draws: Vec<usize> = (0..100_000).map(|_| fast.sample(&tree, &mut r).unwrap()).collect();
    check_frequencies(&draws, &weights);
    // A change makes the table stale: the next draws come from the tree, then it is
    // rebuilt for the new weights, and the draws follow those.
    tree.set(1, 40);
    tree.set(4, 25);
    let changed = [5, 40, 20, 10, 25];
    let draws: Vec<usize> = (0..100_000).map(|_| fast.sample(&tree, &mut r).unwrap()).collect();
    check_frequencies(&draws, &changed);
    assert_eq!(fast.built_at, tree.changes());
}

#[test]
fn fast_draws_wait_for_len_over_16_tree_draws_before_a_rebuild() {
    let mut tree = SumTree::from_weights(&[1; 64]);
    let mut fast = FastSampler::new();
    let mut r = rng(&[12]);
    for k in 0..4 {
        fast.sample(&tree, &mut r).unwrap();
        assert!(fast.table.is_none(), "draw {k} came from the tree");
    }
    fast.sample(&tree, &mut r).unwrap();
    assert!(fast.table.is_some());
    tree.set(3, 2);
    fast.sample(&tree, &mut r).unwrap();
    assert_ne!(fast.built_at, tree.changes(), "stale after a change");
    // An undo is a change too.
    let before = tree.changes();
    let cp = crate::txn::Transactional::checkpoint(&mut tree);
    tree.set(3, 9);
    crate::txn::Transactional::revert(&mut tree, cp);
    assert!(tree.changes() > before + 1);
}

#[test]
fn fast_draws_of_one_item_take_nothing_from_the_stream() {
    let tree = SumTree::from_weights(&[0, 0, 7, 0]);
    let mut fast = FastSampler::new();
    let (mut r, mut untouched) = (rng(&[13]), rng(&[13]));
    assert_eq!(fast.sample(&tree, &mut r).unwrap(), 2);
    assert_eq!(r.next_u64(), untouched.next_u64());
    // The one item is kept until the weights change: then it is found again.
    let mut tree = tree;
    assert_eq!(fast.sample(&tree, &mut r).unwrap(), 2);
    tree.set(2, 0);
    tree.set(0, 4);
    assert_eq!(fast.sample(&tree, &mut r).unwrap(), 0);
    assert_eq!(r.next_u64(), untouched.next_u64());
    let empty = SumTree::from_weights(&[0, 0]);
    assert!(matches!(
        fast.sample(&empty, &mut r),
        Err(Error::NotEnoughWeight { wanted: 1, available: 0 })
    ));
}

/// Draws taken from [`FastSampler::current`] while it names a table, and from
/// [`FastSampler::sample`] otherwise, are the draws of `sample` alone, through every state: no
/// table yet, a current table, a stale one after a change, one item with weight.
#[test]
fn draws_from_the_current_table_are_the_samplers_draws() {
    let mut tree = SumTree::from_weights(&[3, 0, 9, 4, 1, 7, 2, 8]);
    let (mut by_sample, mut by_current) = (FastSampler::new(), FastSampler::new());
    let (mut r1, mut r2) = (rng(&[21]), rng(&[21]));
    let mut from_table = 0;
    for round in 0..6 {
        for _ in 0..40 {
            let want = by_sample.sample(&tree, &mut r1).unwrap();
            let got = match by_current.current(&tree) {
                Some(t) => {
                    from_table += 1;
                    t.sample(&mut r2)
                }
                None => by_current.sample(&tree, &mut r2).unwrap(),
            };
            assert_eq!(got, want, "round {round}");
        }
        match round {
            2 => {
                // One item with weight: no table is current, and nothing is drawn.
                for i in 0..8 {
                    tree.set(i, u64::from(i == 5));
                }
                assert!(by_current.current(&tree).is_none());
            }
            _ => tree.set(round % 8, 11 + round as u64),
        }
    }
    assert!(from_table > 100, "the table served most draws ({from_table})");
    assert_eq!(r1.next_u64(), r2.next_u64());
}

/// `decide` gives the draw `sure` gives whenever the word decides it, and says so exactly when
/// `sure` does: on random words and on the words at the edges of every column's cut (where
/// `sure` leaves the draw open), for tables narrow and wide.
#[test]
fn a_decided_word_is_the_sure_draw() {
    let mut rng = RngStreams::new(Seed::from_u64(4)).stream(&[1]);
    for w in [&[3u64, 1, 4, 1, 5][..], &[u64::MAX, 1, u64::MAX / 3], &[7]] {
        let t = AliasTable::new(w).unwrap();
        let n = t.len() as u64;
        let edges = t.cut.iter().enumerate().flat_map(|(j, &c)| {
            // The words whose column is j and whose fraction is next to the cut.
            let base = ((u128::from(j as u64) << 64) / u128::from(n)) as u64;
            [c, c.wrapping_sub(1), c.wrapping_add(1)].map(|f| base.wrapping_add(f / n))
        });
        let words: Vec<u64> = (0..2_000).map(|_| rng.next_u64()).chain(edges).collect();
        let mut open = 0;
        for x in words {
            let (item, decided) = t.decide(x);
            assert_eq!(t.sure(x), decided.then_some(item), "{w:?}, word {x}");
            open += usize::from(!decided);
        }
        assert!(open > 0 || n == 1, "{w:?}: no word left open");
    }
}

#[test]
fn a_rebuilt_alias_table_equals_a_new_one() {
    let mut table = AliasTable::new(&[3, 1, 4, 1, 5]).unwrap();
    table.rebuild(&[9, 2, 6]).unwrap();
    assert_eq!(table, AliasTable::new(&[9, 2, 6]).unwrap());
    assert!(table.rebuild(&[0, 0]).is_err());
    assert_eq!(table.len(), 0);
}

/// Tables worked by hand (Vose's pairing on n·w_i against W, small items from the front of
/// the stack, large from the back), for the 64-bit build and the u128 one.
#[test]
fn the_builds_give_the_worked_tables() {
    let table = |w: &[u64]| {
        let t = AliasTable::new(w).unwrap();
        (t.prob.clone(), t.alias.clone(), t.cut.clone(), t.total)
    };
    // [1, 2, 3]: n·w = [3, 6, 9] against W = 6. Item 0 (small) takes item 2 as alias, which
    // keeps 9 − (6 − 3) = 6 = W; item 1, exactly W (a tie), never enters the small stack.
    assert_eq!(
        table(&[1, 2, 3]),
        (vec![3, 6, 6], vec![2, 1, 2], vec![1 << 63, u64::MAX, u64::MAX], 6)
    );
    // [5, 5, 5]: every item exactly W: each its own alias.
    assert_eq!(table(&[5, 5, 5]), (vec![15; 3], vec![0, 1, 2], vec![u64::MAX; 3], 15));
    // [2^63, 2^62]: n·W = 3·2^63 ≥ 2^64, the u128 build. n·w = [2^64, 2^63] against
    // W = 3·2^62: item 1 takes item 0, which keeps 2^64 − 2^62 = W; cut ⌊2^63·2^64 / W⌋ =
    // ⌊2^65 / 3⌋.
    let w = 3u128 << 62;
    assert_eq!(
        table(&[1 << 63, 1 << 62]),
        (vec![w, 1 << 63], vec![0, 0], vec![u64::MAX, 12_297_829_382_473_034_410], w)
    );
}

#[test]
fn set_get_total_are_consistent() {
    let mut t = SumTree::new(5);
    assert_eq!((t.len(), t.total(), t.positive_count()), (5, 0, 0));
    t.set(2, 10);
    t.set(4, u64::MAX);
    t.set(0, 3);
    assert_eq!(t.get(2), 10);
    assert_eq!(t.total(), 13 + u128::from(u64::MAX));
    assert_eq!(t.positive_count(), 3);
    t.set(4, 1);
    t.set(0, 0);
    assert_eq!(t.total(), 11);
    assert_eq!(t.positive_count(), 2);
    assert_eq!(t, SumTree::from_weights(&[0, 0, 10, 0, 1]));
    assert_eq!(t.prefix_sum(3), 10);
    assert_eq!(t.find(9), 2);
    assert_eq!(t.find(10), 4);
    assert_eq!(t.find(11), 5);
    assert_eq!(SumTree::new(0).find(0), 0);
}

#[test]
fn push_matches_a_tree_built_at_once() {
    let weights: Vec<u64> = (0..37).map(|i| (i * 7919 % 13) as u64).collect();
    let mut grown = SumTree::new(0);
    for &w in &weights {
        grown.push(w);
    }
    assert_eq!(grown, SumTree::from_weights(&weights));
}

#[test]
fn zero_total_is_an_error() {
    let mut r = rng(&[1]);
    let e = SumTree::new(3).sample(&mut r).unwrap_err();
    assert_eq!(e, Error::NotEnoughWeight { wanted: 1, available: 0 });
    assert!(SumTree::new(0).sample(&mut r).is_err());
    assert!(AliasTable::new(&[0, 0]).is_err());
    assert!(AliasTable::new(&[]).is_err());
}

#[test]
fn sum_tree_frequencies_match_weights() {
    let t = SumTree::from_weights(&[1, 2, 3, 4]);
    let mut r = rng(&[2]);
    let draws: Vec<usize> = (0..100_000).map(|_| t.sample(&mut r).unwrap()).collect();
    check_frequencies(&draws, &[1, 2, 3, 4]);
}

#[test]
fn alias_frequencies_match_weights() {
    let a = AliasTable::new(&[1, 2, 3, 4]).unwrap();
    let mut r = rng(&[3]);
    let draws: Vec<usize> = (0..100_000).map(|_| a.sample(&mut r)).collect();
    check_frequencies(&draws, &[1, 2, 3, 4]);
    // Zero weights are never drawn.
    let a = AliasTable::new(&[0, 5, 0, 1]).unwrap();
    assert!((0..1000).map(|_| a.sample(&mut r)).all(|i| i == 1 || i == 3));
}

#[test]
fn without_replacement_draws_distinct_positive_items() {
    let weights = [5, 0, 1, 9, 0, 2, 7];
    let mut t = SumTree::from_weights(&weights);
    let before = t.clone();
    let mut r = rng(&[4]);
    for k in 0..=5 {
        for _ in 0..50 {
            let got = t.sample_without_replacement(k, &mut r).unwrap();
            assert_eq!(got.len(), k);
            let mut set = got.clone();
            set.sort_unstable();
            set.dedup();
            assert_eq!(set.len(), k, "{got:?}");
            assert!(got.iter().all(|&i| weights[i] > 0));
            assert_eq!(t, before);
        }
    }
    let e = t.sample_without_replacement(6, &mut r).unwrap_err();
    assert_eq!(e, Error::NotEnoughWeight { wanted: 6, available: 5 });
    assert_eq!(t, before);
}

/// Checks the exact probability of every item from the table's entries.
fn assert_exact(weights: &[u64]) {
    let a = AliasTable::new(weights).unwrap();
    let n = weights.len() as u128;
    let mut mass = vec![0u128; weights.len()]; // in units of 1 / (n·W)
    for j in 0..weights.len() {
        assert!(a.prob[j] <= a.total);
        mass[j] += a.prob[j];
        mass[a.alias[j] as usize] += a.total - a.prob[j];
    }
    for (i, &w) in weights.iter().enumerate() {
        // mass[i] / (n·W) == w / W  ⇔  mass[i] == n·w
        assert_eq!(mass[i], n * u128::from(w), "item {i} of {weights:?}");
    }
}

#[test]
fn alias_probabilities_are_exact_for_known_vectors() {
    assert_exact(&[1]);
    assert_exact(&[1, 2, 3, 4]);
    assert_exact(&[0, 0, 7]);
    assert_exact(&[u64::MAX, 1, u64::MAX, 0, 3]);
    assert_exact(&[1; 17]);
}

proptest! {
    #[test]
    fn find_matches_linear_scan(
        weights in prop::collection::vec(prop_oneof![Just(0u64), 0u64..100, any::<u64>()], 0..70),
        targets in prop::collection::vec(any::<u128>(), 1..20),
    ) {
        let t = SumTree::from_weights(&weights);
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        prop_assert_eq!(t.total(), total);
        for target in targets {
            let target = if total == 0 { target % 3 } else { target % (total + 2) };
            prop_assert_eq!(t.find(target), find_linear(&weights, target));
        }
        for i in 0..=weights.len() {
            let sum: u128 = weights[..i].iter().map(|&w| u128::from(w)).sum();
            prop_assert_eq!(t.prefix_sum(i), sum);
        }
    }

    #[test]
    fn updates_match_a_fresh_build(
        weights in prop::collection::vec(0u64..1000, 1..40),
        updates in prop::collection::vec((any::<prop::sample::Index>(), prop_oneof![Just(0u64), any::<u64>()]), 0..40),
    ) {
        let mut t = SumTree::from_weights(&weights);
        let mut reference = weights.clone();
        for (idx, w) in updates {
            let i = idx.index(reference.len());
            t.set(i, w);
            reference[i] = w;
            prop_assert_eq!(t.get(i), w);
        }
        prop_assert_eq!(&t, &SumTree::from_weights(&reference));
        prop_assert_eq!(t.positive_count(), reference.iter().filter(|&&w| w > 0).count());
    }

    #[test]
    fn alias_probabilities_are_exact(
        weights in prop::collection::vec(prop_oneof![Just(0u64), 0u64..50, any::<u64>()], 1..60)
            .prop_filter("some positive weight", |w| w.iter().any(|&x| x > 0)),
    ) {
        assert_exact(&weights);
    }

    /// The build in 64-bit words (taken when n·W < 2^64) gives the table of the u128 build:
    /// the same cuts, aliases, thresholds and total. Weights up to 2^58 over up to 60 items
    /// reach both sides of the bound.
    #[test]
    fn the_narrow_build_equals_the_wide_one(
        weights in prop::collection::vec(
            prop_oneof![Just(0u64), 0u64..50, 0u64..(1 << 20), 0u64..(1 << 58)], 1..60)
            .prop_filter("some positive weight", |w| w.iter().any(|&x| x > 0)),
    ) {
        let built = AliasTable::new(&weights).unwrap();
        let mut wide = AliasTable::empty();
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        wide.rebuild_wide(&weights, total, weights.len() as u32);
        prop_assert_eq!(&built, &wide);
        assert_exact(&weights);
    }
}

mod one_word;
