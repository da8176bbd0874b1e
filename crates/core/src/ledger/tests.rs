//! Tests of the ledger: balances, transfers, mint and burn, the journal.

use super::*;

fn setup() -> (Ledger, TokenId, AccountId, AccountId, PoolId) {
    let mut l = Ledger::new();
    let t = l.add_token(TokenMeta::new("TOK", 6), Amount(1_000)).unwrap();
    let a = l.open_account().unwrap();
    let b = l.open_account().unwrap();
    let p = l.add_pool("treasury").unwrap();
    (l, t, a, b, p)
}

#[test]
fn mint_transfer_burn_conserve() {
    let (mut l, t, a, b, p) = setup();
    l.mint(t, a.into(), Amount(600)).unwrap();
    l.transfer(t, a.into(), b.into(), Amount(250)).unwrap();
    l.transfer(t, b.into(), p.into(), Amount(50)).unwrap();
    l.burn(t, a.into(), Amount(100)).unwrap();
    assert_eq!(l.balance(t, a.into()).unwrap(), Amount(250));
    assert_eq!(l.balance(t, b.into()).unwrap(), Amount(200));
    assert_eq!(l.balance(t, p.into()).unwrap(), Amount(50));
    assert_eq!(l.supply(t).unwrap(), Amount(500));
    assert_eq!(l.reserve(t).unwrap(), Amount(500), "the cap bounds the supply: 1,000 − 500");
    l.check_conservation().unwrap();
}

/// The cap bounds the supply (minted − burned), as an ERC-20 capped supply: a burn makes room
/// to mint again; the supply never passes the cap, however much was minted before.
#[test]
fn a_burn_makes_room_under_the_cap() {
    let (mut l, t, a, _, _) = setup();
    l.mint(t, a.into(), Amount(1_000)).unwrap();
    let e = l.mint(t, a.into(), Amount(1)).unwrap_err();
    assert_eq!(
        e,
        Error::CapExceeded {
            token: "TOK".into(),
            amount: Amount(1),
            supply: Amount(1_000),
            cap: Amount(1_000)
        }
    );
    l.burn(t, a.into(), Amount(300)).unwrap();
    assert_eq!(l.reserve(t).unwrap(), Amount(300));
    l.mint(t, a.into(), Amount(300)).unwrap();
    assert_eq!((l.minted(t).unwrap(), l.supply(t).unwrap()), (Amount(1_300), Amount(1_000)));
    let e = l.mint(t, a.into(), Amount(1)).unwrap_err();
    assert!(matches!(e, Error::CapExceeded { supply: Amount(1_000), .. }), "{e}");
    l.check_conservation().unwrap();
}

#[test]
fn typed_rejections_name_the_numbers() {
    let (mut l, t, a, b, _) = setup();
    l.mint(t, a.into(), Amount(10)).unwrap();
    let e = l.transfer(t, a.into(), b.into(), Amount(11)).unwrap_err();
    assert_eq!(
        e,
        Error::InsufficientBalance {
            holder: "account:0".into(),
            token: "TOK".into(),
            needed: Amount(11),
            available: Amount(10)
        }
    );
    let e = l.mint(t, a.into(), Amount(991)).unwrap_err();
    assert!(matches!(e, Error::CapExceeded { supply: Amount(10), cap: Amount(1000), .. }));
    assert!(matches!(
        l.transfer(t, a.into(), Holder::Account(AccountId(9)), Amount(1)),
        Err(Error::Unknown { .. })
    ));
    assert_eq!(l.balance(t, a.into()).unwrap(), Amount(10));
}

#[test]
fn revert_restores_everything() {
    let (mut l, t, a, b, p) = setup();
    l.mint(t, a.into(), Amount(100)).unwrap();
    let before = l.clone();
    let r: Result<()> = l.atomic(|l| {
        l.transfer(t, a.into(), b.into(), Amount(40))?;
        l.mint(t, p.into(), Amount(5))?;
        l.burn(t, b.into(), Amount(10))?;
        l.open_account()?;
        l.add_pool("fresh")?;
        l.transfer(t, a.into(), b.into(), Amount(1_000)) // fails
    });
    assert!(r.is_err());
    assert_eq!(l, before);
    // Nested: inner revert, outer commit.
    let cp = l.checkpoint();
    l.transfer(t, a.into(), b.into(), Amount(1)).unwrap();
    let inner = l.checkpoint();
    l.transfer(t, a.into(), b.into(), Amount(2)).unwrap();
    l.revert(inner);
    l.commit(cp);
    assert_eq!(l.balance(t, b.into()).unwrap(), Amount(1));
    l.check_conservation().unwrap();
}
