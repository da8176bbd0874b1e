//! Unit tests of the transactions: [`atomic`](super::atomic) over a struct of journaled
//! [`Table`], [`Keyed`], [`Snapshot`] and an array of them; nested checkpoints; nothing recorded
//! outside a checkpoint; [`crate::SumTree`] and [`crate::Vesting`] reverted to their state before.

use super::*;

struct World {
    rows: Table<(u32, String)>,
    names: Keyed<String, u32>,
    count: Snapshot<u64>,
    pair: [Snapshot<u8>; 2],
    label: &'static str,
}
crate::transactional!(World {
    rows: Table<(u32, String)>,
    names: Keyed<String, u32>,
    count: Snapshot<u64>,
    pair: [Snapshot<u8>; 2],
}; ignore label);

fn world() -> World {
    let mut names = Keyed::new();
    names.insert("a".to_owned(), 0);
    World {
        rows: Table::from_rows(vec![(1, "a".to_owned())]),
        names,
        count: Snapshot::new(5),
        pair: [Snapshot::new(1), Snapshot::new(2)],
        label: "w",
    }
}

fn change(w: &mut World) {
    w.rows.push((2, "b".to_owned()));
    w.rows.update(0, |r| r.0 = 10);
    w.rows.get_mut(1).1.push('!');
    w.names.insert("b".to_owned(), 1);
    w.names.insert("a".to_owned(), 9);
    w.names.remove(&"a".to_owned());
    *w.count.get_mut() += 1;
    *w.pair[1].get_mut() = 7;
}

/// Everything a [`World`] holds: rows, names, count, pair.
type State = (Vec<(u32, String)>, Vec<(String, u32)>, u64, [u8; 2]);

fn state(w: &World) -> State {
    (
        w.rows.rows().to_vec(),
        w.names.map().iter().map(|(k, v)| (k.clone(), *v)).collect(),
        *w.count.get(),
        [*w.pair[0].get(), *w.pair[1].get()],
    )
}

#[test]
fn revert_restores_every_part_and_commit_keeps_them() {
    let mut w = world();
    let before = state(&w);
    let r: Result<(), &str> = atomic(&mut w, |w| {
        change(w);
        Err("no")
    });
    assert_eq!(r, Err("no"));
    assert_eq!(state(&w), before);
    assert_eq!(w.label, "w");

    let r: Result<u8, ()> = atomic(&mut w, |w| {
        change(w);
        Ok(3)
    });
    assert_eq!(r, Ok(3));
    let after = state(&w);
    assert_eq!(after.0, vec![(10, "a".to_owned()), (2, "b!".to_owned())]);
    assert_eq!(after.1, vec![("b".to_owned(), 1)]);
    assert_eq!((after.2, after.3), (6, [1, 7]));
}

#[test]
fn nested_checkpoints_revert_only_the_inner_changes() {
    let mut w = world();
    let outer = w.checkpoint();
    w.rows.push((2, "b".to_owned()));
    let inner = w.checkpoint();
    w.rows.update(1, |r| r.0 = 20);
    *w.count.get_mut() = 0;
    w.revert(inner);
    assert_eq!(w.rows.rows()[1], (2, "b".to_owned()));
    assert_eq!(*w.count.get(), 5);
    w.commit(outer);
    assert_eq!(w.rows.len(), 2);
    // The journal is empty again: nothing left to undo.
    assert!(w.rows.journal.undo.is_empty() && w.names.journal.undo.is_empty());
}

#[test]
fn a_cleared_map_comes_back_whole_with_the_changes_around_it() {
    let mut w = world();
    w.names.insert("b".to_owned(), 1);
    let before = state(&w);
    let r: Result<(), ()> = atomic(&mut w, |w| {
        w.names.insert("c".to_owned(), 2);
        w.names.clear();
        w.names.insert("a".to_owned(), 7);
        assert_eq!(w.names.len(), 1);
        Err(())
    });
    assert!(r.is_err());
    assert_eq!(state(&w), before);
    // Committed: only what came after the clear is left, and the journal is empty again.
    atomic(&mut w, |w| {
        w.names.clear();
        w.names.insert("d".to_owned(), 4);
        Ok::<_, ()>(())
    })
    .unwrap();
    assert_eq!(state(&w).1, vec![("d".to_owned(), 4)]);
    assert!(w.names.journal.undo.is_empty());
    // Outside a checkpoint nothing is recorded.
    w.names.clear();
    assert!(w.names.is_empty() && w.names.journal.undo.is_empty());
}

#[test]
fn outside_a_checkpoint_nothing_is_recorded() {
    let mut w = world();
    change(&mut w);
    assert!(w.rows.journal.undo.is_empty() && w.names.journal.undo.is_empty());
}

#[test]
fn sum_tree_and_vesting_revert_to_their_state_before() {
    use crate::{Amount, Epoch, SumTree, Vesting};
    let mut tree = SumTree::from_weights(&[3, 0, 5]);
    let mut v: Vesting<u32> = Vesting::new(2, Epoch(0)).expect("lag within the limit");
    v.set_stake(1, 10).expect("stake fits");
    v.set_stake(2, 30).expect("stake fits");
    v.distribute(Amount(400)).expect("distribution fits");
    v.close_epoch();
    v.distribute(Amount(80)).expect("distribution fits");
    let (tree0, v0) = (tree.clone(), v.clone());
    let (weights0, total0) = (tree.weights().to_vec(), tree.total());

    let (tc, vc) = (tree.checkpoint(), v.checkpoint());
    tree.set(0, 0);
    tree.push(7);
    tree.set(3, 9);
    tree.set(1, 4);
    v.set_stake(1, 0).expect("stake fits");
    v.set_stake(3, 5).expect("stake fits");
    assert_eq!(v.deduct(2, Amount(25)).expect("deduct"), Amount(25));
    assert!(!v.forfeit(1).expect("forfeit").is_zero());
    tree.revert(tc);
    v.revert(vc);

    assert_eq!(tree, tree0);
    assert_eq!((tree.weights().to_vec(), tree.total()), (weights0, total0));
    assert_eq!(tree.prefix_sum(3), 8);
    assert_eq!(v, v0);
    assert_eq!((v.stake(1), v.stake(2), v.stake(3), v.total_stake()), (10, 30, 0, 40));
}

#[test]
fn staking_and_its_unbonding_queue_revert_with_the_ledger() {
    use crate::{Amount, Epoch, Ledger, Staking, StakingParams, TokenMeta};
    let mut ledger = Ledger::new();
    let t = ledger.add_token(TokenMeta::new("T", 0), Amount(1_000)).expect("token");
    let (a, b) = (ledger.open_account().expect("a"), ledger.open_account().expect("b"));
    ledger.mint(t, a.into(), Amount(300)).expect("mint");
    ledger.mint(t, b.into(), Amount(300)).expect("mint");
    let params = StakingParams {
        unbonding_epochs: 2,
        max_unbonding_entries: 7,
        min_self_bond: Amount(1),
        max_validators: 4,
    };
    let mut st = Staking::new(&mut ledger, t, "s", params).expect("staking");
    let v =
        st.create_validator(&mut ledger, a, Amount(100), pm(50_000), Epoch(0)).expect("validator");
    st.delegate(&mut ledger, b, v, Amount(50), Epoch(0)).expect("delegate");
    st.undelegate(&mut ledger, b, v, Amount(10), Epoch(0)).expect("undelegate");
    let (st0, ledger0) = (st.clone(), ledger.clone());

    let (sc, lc) = (st.checkpoint(), ledger.checkpoint());
    st.create_validator(&mut ledger, b, Amount(20), pm(0), Epoch(1)).expect("second validator");
    st.delegate(&mut ledger, a, v, Amount(30), Epoch(1)).expect("delegate");
    st.undelegate(&mut ledger, b, v, Amount(40), Epoch(1)).expect("undelegate");
    st.complete_unbonding(&mut ledger, Epoch(5)).expect("unbonding completes");
    assert_eq!(st.unbonding_count(b), 0);
    st.revert(sc);
    ledger.revert(lc);

    assert_eq!(st, st0);
    assert_eq!(ledger, ledger0);
    assert_eq!((st.validator_count(), st.unbonding_count(b)), (1, 1));
    assert_eq!(st.validator(v).expect("v").tokens(), Amount(140));
    st.check_invariants(&ledger).expect("the books hold after the revert");
}

#[test]
fn a_reverted_stream_repeats_its_draws() {
    use crate::{RngStreams, Seed};
    let mut rng = RngStreams::new(Seed::from_u64(7)).stream(&[1]);
    rng.next_u64();
    let fresh = rng.clone();
    let cp = rng.checkpoint();
    let first: Vec<u64> = (0..40).map(|_| rng.next_u64()).collect();
    rng.revert(cp);
    assert_eq!(rng, fresh);
    let again: Vec<u64> = (0..40).map(|_| rng.next_u64()).collect();
    assert_eq!(first, again);
}

#[test]
fn multi_token_stakes_revert_with_the_ledger() {
    use crate::{Amount, Ledger, MultiStake, MultiStakeParams, StakeToken, TokenMeta};
    let mut ledger = Ledger::new();
    let pond = ledger.add_token(TokenMeta::new("POND", 0), Amount(10_000)).expect("token");
    let mpond = ledger.add_token(TokenMeta::new("MPOND", 0), Amount(10)).expect("token");
    let a = ledger.open_account().expect("account");
    ledger.mint(pond, a.into(), Amount(1_000)).expect("mint");
    ledger.mint(mpond, a.into(), Amount(5)).expect("mint");
    let treasury = ledger.add_pool("treasury").expect("pool");
    ledger.mint(pond, treasury.into(), Amount(900)).expect("mint");
    let share = |token, weight| StakeToken { token, weight, reward_share_ppm: 500_000 };
    let params = MultiStakeParams {
        reward_token: pond,
        tokens: vec![share(pond, 1), share(mpond, 1_000_000)],
        max_clusters: 4,
    };
    let mut ms = MultiStake::new(&mut ledger, "m", params).expect("multistake");
    let c = ms.create_cluster(a, pm(100_000)).expect("cluster");
    ms.delegate(&mut ledger, a, c, pond, Amount(100)).expect("delegate");
    let (ms0, ledger0) = (ms.clone(), ledger.clone());

    let (mc, lc) = (ms.checkpoint(), ledger.checkpoint());
    ms.create_cluster(a, pm(0)).expect("second cluster");
    ms.delegate(&mut ledger, a, c, mpond, Amount(2)).expect("delegate MPOND");
    ms.distribute(&mut ledger, treasury.into(), c, Amount(300)).expect("distribute");
    ms.undelegate(&mut ledger, a, c, pond, Amount(40)).expect("undelegate");
    ms.revert(mc);
    ledger.revert(lc);

    assert_eq!(ms, ms0);
    assert_eq!(ledger, ledger0);
    assert_eq!(ms.cluster_count(), 1);
    ms.check_invariants(&ledger).expect("the books hold after the revert");
}

/// `p` parts per million.
fn pm(p: u32) -> crate::PerMill {
    crate::PerMill::from_parts(p).expect("a ratio")
}

#[test]
fn a_cleared_table_reverts_to_its_rows_and_clears_in_place_outside() {
    let mut w = world();
    let r: Result<(), &str> = atomic(&mut w, |w| {
        w.rows.push((2, "b".to_owned()));
        w.rows.clear();
        w.rows.push((3, "c".to_owned()));
        w.rows.update(0, |r| r.0 = 30);
        Err("no")
    });
    assert_eq!(r, Err("no"));
    assert_eq!(w.rows.rows(), &[(1, "a".to_owned())]);
    let r: Result<(), ()> = atomic(&mut w, |w| {
        w.rows.clear();
        w.rows.push((3, "c".to_owned()));
        Ok(())
    });
    assert_eq!(r, Ok(()));
    assert_eq!(w.rows.rows(), &[(3, "c".to_owned())]);
    assert!(!w.rows.in_transaction());
    w.rows.clear();
    assert!(w.rows.is_empty());
}
