//! A batch of downloads ([`Stratos::downloads`]) is the same as downloading each in turn: the
//! same charges, node draws and state, and nothing at all when one of them cannot be paid.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Amount, Economy};
use ergon_stratos::Stratos;
use serde_json::json;

/// Forty nodes with deposits of 100 to 4,000 STOS, one user with 10,000 STOS.
fn network(seed: u64) -> Stratos {
    let mut accounts = serde_json::Map::new();
    let mut nodes = Vec::new();
    for i in 0..40 {
        let deposit = format!("{}", 100 * (i + 1));
        accounts.insert(format!("n{i}"), json!(deposit.clone()));
        nodes.push(json!({"name": format!("n{i}"), "deposit": deposit, "capacity": "1000000"}));
    }
    accounts.insert("u".into(), json!("10000"));
    let g = json!({"profile": "paper", "seed": seed, "ozone_limit": "82000000", "accounts": accounts, "resource_nodes": nodes});
    Stratos::from_genesis(serde_json::from_value(g).unwrap()).unwrap()
}

#[test]
fn a_batch_of_downloads_equals_the_downloads_one_by_one() {
    for seed in [1, 2, 3] {
        let mut one = network(seed);
        let user = one.account("u").unwrap();
        one.prepay(user, user, Amount(1_000 * 10u128.pow(18))).unwrap();
        let mut batch = one.clone();
        let sizes: Vec<Amount> =
            (1..=300u128).map(|k| Amount((k * 7_919 % 10_000 + 1) * 1_000_000)).collect();
        let mut charged = Amount::ZERO;
        for &s in &sizes {
            one.download(user, s, None).unwrap();
            charged = Amount(charged.0 + s.0);
        }
        assert_eq!(batch.downloads(user, &sizes).unwrap(), charged);
        assert_eq!(batch.snapshot(), one.snapshot(), "seed {seed}");
        // The next draws are the same too: the task streams are at the same place.
        let (a, b) = (one.download(user, sizes[0], None), batch.download(user, sizes[0], None));
        assert_eq!(a.unwrap(), b.unwrap());
    }
}

#[test]
fn a_batch_the_user_cannot_pay_changes_nothing() {
    let mut st = network(4);
    let user = st.account("u").unwrap();
    st.prepay(user, user, Amount(10u128.pow(18))).unwrap();
    let have = st.ozone_balance(user);
    let before = st.snapshot();
    let sizes = [Amount(have.0 / 2), Amount(have.0 / 2 + 2)];
    assert!(st.downloads(user, &sizes).is_err());
    assert_eq!(st.snapshot(), before);
    // What it could pay, it pays: the first alone goes.
    assert_eq!(st.downloads(user, &sizes[..1]).unwrap(), sizes[0]);
}

/// Downloads and queries check before they change anything (they run without a transaction
/// of their own): a refusal for want of a node leaves the state, the task stream included,
/// where it was.
#[test]
fn a_download_no_node_can_take_changes_nothing() {
    use ergon_stratos::nodes::NodeIndex;
    let mut st = network(5);
    let user = st.account("u").unwrap();
    st.prepay(user, user, Amount(10u128.pow(20))).unwrap();
    // A named node that no longer takes tasks refuses a query and a download.
    st.shutdown_node(NodeIndex(3)).unwrap();
    let twin = st.clone();
    let before = st.snapshot();
    assert!(st.db_query(user, Amount(1_000), 5, Some(NodeIndex(3))).is_err());
    assert!(st.download(user, Amount(1_000), Some(NodeIndex(3))).is_err());
    assert!(st.download(user, Amount(1_000), Some(NodeIndex(400))).is_err());
    assert_eq!(st.snapshot(), before);
    // The next drawn downloads land where the twin's do: the stream did not move.
    let mut twin = twin;
    let sizes = [Amount(5_000), Amount(7_000), Amount(9_000)];
    assert_eq!(st.downloads(user, &sizes).unwrap(), twin.downloads(user, &sizes).unwrap());
    assert_eq!(st.snapshot(), twin.snapshot());
    // No node at all takes tasks: a batch and a drawn query are refused, nothing changes.
    for i in 0..40 {
        if i != 3 {
            st.shutdown_node(NodeIndex(i)).unwrap();
        }
    }
    let before = st.snapshot();
    assert!(st.downloads(user, &sizes).is_err());
    assert!(st.db_query(user, Amount(1_000), 5, None).is_err());
    assert!(st.download(user, Amount(1_000), None).is_err());
    assert_eq!(st.snapshot(), before);
    // An empty batch still succeeds: nothing to draw, nothing charged.
    assert_eq!(st.downloads(user, &[]).unwrap(), Amount::ZERO);
    assert_eq!(st.snapshot(), before);
}

/// An upload that finds fewer nodes than replicas is refused after its draws: the state and
/// the task stream are where they were (the next draws land where a twin's do).
#[test]
fn an_upload_short_of_nodes_changes_nothing() {
    use ergon_stratos::nodes::NodeIndex;
    let mut st = network(6);
    let user = st.account("u").unwrap();
    st.prepay(user, user, Amount(10u128.pow(20))).unwrap();
    for i in 0..37 {
        st.shutdown_node(NodeIndex(i)).unwrap();
    }
    let mut twin = st.clone();
    let before = st.snapshot();
    // Three nodes take tasks: four replicas cannot be placed, after draws that find the three.
    assert!(st.upload(user, Amount(1_000), 4, None).is_err());
    assert_eq!(st.snapshot(), before);
    let (a, b) =
        (st.upload(user, Amount(1_000), 3, None), twin.upload(user, Amount(1_000), 3, None));
    assert_eq!(a.unwrap().0, b.unwrap().0);
    assert_eq!(st.snapshot(), twin.snapshot());
    let sizes: Vec<Amount> = (1..=64u128).map(|k| Amount(k * 1_000)).collect();
    assert_eq!(st.downloads(user, &sizes).unwrap(), twin.downloads(user, &sizes).unwrap());
    assert_eq!(st.snapshot(), twin.snapshot());
}
