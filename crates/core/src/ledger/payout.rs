//! [`Ledger::pay_from_pool`]: one pool pays many accounts with one debit (a lock queue's bucket
//! falling due), instead of one [`Ledger::transfer`] per account, each checking and journaling
//! the pool again; [`Ledger::split_from`]: one holder pays a few holders (a payout split
//! between an owner, a pool and a treasury) the same way.

use super::{Holder, Ledger, TokenId, Undo};
use crate::amount::Amount;
use crate::error::Result;
use crate::ledger::{AccountId, PoolId};

impl Ledger {
    /// Moves each `(account, amount)` of `payments` from `pool` to the account, in order: the
    /// ledger ends as after one [`Ledger::transfer`] per payment, but the pool is debited once,
    /// with the sum. `payments` is read twice (the checks, then the changes) and must yield the
    /// same items both times. All-or-nothing: an unknown token, pool or account, a sum above the
    /// pool's balance ([`crate::Error::InsufficientBalance`], the sum as `needed`) or an
    /// overflow changes nothing.
    pub fn pay_from_pool<I>(&mut self, token: TokenId, pool: PoolId, payments: I) -> Result<()>
    where
        I: Iterator<Item = (AccountId, Amount)> + Clone,
    {
        let from = Holder::Pool(pool);
        let available = self.balance(token, from)?;
        // The sum, and the highest account paid something (whose balance may need room).
        let (mut sum, mut top) = (Amount::ZERO, None);
        for (a, x) in payments.clone() {
            if a.0 >= self.account_count {
                self.check_holder(Holder::Account(a))?;
            }
            sum = sum.checked_add(x)?;
            if !x.is_zero() {
                top = top.max(Some(a.0 as usize));
            }
        }
        let debited = available
            .checked_sub(sum)
            .map_err(|_| self.insufficient(token, from, sum, available))?;
        let Some(top) = top else { return Ok(()) };
        let t = usize::from(token.0);
        self.atomic(|l| {
            l.set(token, from, debited);
            let len = l.tokens[t].accounts.len();
            if len <= top {
                l.record(Undo::Grew { token: token.0, pools: false, prev_len: len });
                l.tokens[t].accounts.resize(top + 1, Amount::ZERO);
            }
            let journal_on = l.depth > 0;
            let (book, journal) = (&mut l.tokens[t], &mut l.journal);
            for (a, x) in payments.filter(|p| !p.1.is_zero()) {
                let Some(held) = book.accounts.get_mut(a.0 as usize) else { continue };
                let prev = *held;
                *held = prev.checked_add(x)?;
                book.held = book.held.wrapping_add(x.0);
                if journal_on {
                    journal.push(Undo::Account { token: token.0, account: a.0, prev });
                }
            }
            Ok(())
        })
    }
}

impl Ledger {
    /// Moves each `(holder, amount)` of `parts` from `from`, in order: the ledger ends as after
    /// one [`Ledger::transfer`] per part, but `from` is checked and debited once, with the sum
    /// (a part to `from` itself counts in it and comes back, changing nothing). All-or-nothing: an unknown token or holder, a sum above `from`'s balance
    /// ([`crate::Error::InsufficientBalance`], the sum as `needed`) or an overflow changes
    /// nothing.
    pub fn split_from(
        &mut self,
        token: TokenId,
        from: Holder,
        parts: &[(Holder, Amount)],
    ) -> Result<()> {
        let available = self.balance(token, from)?;
        let mut sum = Amount::ZERO;
        for &(to, x) in parts {
            self.check_holder(to)?;
            sum = sum.checked_add(x)?;
        }
        let debited = available
            .checked_sub(sum)
            .map_err(|_| self.insufficient(token, from, sum, available))?;
        if sum.is_zero() {
            return Ok(());
        }
        self.atomic(|l| {
            l.set(token, from, debited);
            for &(to, x) in parts.iter().filter(|p| !p.1.is_zero()) {
                let credited = l.balance(token, to)?.checked_add(x)?;
                l.set(token, to, credited);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::amount::{Amount, TokenMeta};
    use crate::error::Error;
    use crate::ledger::{AccountId, Holder, Ledger};

    #[test]
    fn pays_like_one_transfer_each_and_refuses_as_a_whole() {
        let mut l = Ledger::new();
        let t = l.add_token(TokenMeta::new("T", 0), Amount(1_000)).unwrap();
        let p = l.add_pool("locked").unwrap();
        let a = l.open_account().unwrap();
        let b = l.open_account().unwrap();
        l.mint(t, p.into(), Amount(100)).unwrap();
        l.mint(t, a.into(), Amount(5)).unwrap();
        let mut one_by_one = l.clone();
        let pay = [(a, Amount(30)), (b, Amount(0)), (b, Amount(20)), (a, Amount(7))];
        for (x, amount) in pay {
            one_by_one.transfer(t, p.into(), x.into(), amount).unwrap();
        }
        let before = l.clone();
        l.pay_from_pool(t, p, pay.iter().copied()).unwrap();
        assert_eq!(l, one_by_one);
        // 5 + 30 + 7 = 42 for a, 20 for b, 100 − 57 = 43 left in the pool.
        assert_eq!(l.balance(t, a.into()).unwrap(), Amount(42));
        assert_eq!(l.balance(t, b.into()).unwrap(), Amount(20));
        assert_eq!(l.balance(t, p.into()).unwrap(), Amount(43));
        l.check_conservation().unwrap();
        // 43 left: a sum of 44 is refused whole; so is an unknown account; both change nothing.
        let after = l.clone();
        let e = l.pay_from_pool(t, p, [(a, Amount(40)), (b, Amount(4))].into_iter()).unwrap_err();
        assert!(matches!(
            e,
            Error::InsufficientBalance { needed: Amount(44), available: Amount(43), .. }
        ));
        let e = l.pay_from_pool(t, p, [(a, Amount(1)), (AccountId(9), Amount(1))].into_iter());
        assert!(matches!(e, Err(Error::Unknown { kind: "account", .. })));
        assert_eq!(l, after);
        // Under a checkpoint, a revert restores the pool and every account.
        let cp = l.checkpoint();
        l.pay_from_pool(t, p, [(b, Amount(3))].into_iter()).unwrap();
        l.revert(cp);
        assert_eq!(l, after);
        assert_ne!(after, before);
        assert_eq!(l.balance(t, Holder::Pool(p)).unwrap(), Amount(43));
    }

    /// A pool of 100 pays an account 30, another pool 0 then 20, the account 7 more and itself
    /// 5: as five transfers (the account 5 + 37 = 42, the other pool 20, the payer
    /// 100 − 57 = 43, its own 5 back to it). A sum of 49 from 43 and an unknown holder are
    /// refused whole.
    #[test]
    fn splits_like_one_transfer_each_and_refuses_as_a_whole() {
        let mut l = Ledger::new();
        let t = l.add_token(TokenMeta::new("T", 0), Amount(1_000)).unwrap();
        let p = l.add_pool("subsidy").unwrap();
        let q = l.add_pool("free").unwrap();
        let a = l.open_account().unwrap();
        l.mint(t, p.into(), Amount(100)).unwrap();
        l.mint(t, a.into(), Amount(5)).unwrap();
        let mut one_by_one = l.clone();
        let parts = [
            (Holder::Account(a), Amount(30)),
            (Holder::Pool(q), Amount(0)),
            (Holder::Pool(q), Amount(20)),
            (Holder::Account(a), Amount(7)),
            (Holder::Pool(p), Amount(5)),
        ];
        for (to, amount) in parts {
            one_by_one.transfer(t, p.into(), to, amount).unwrap();
        }
        l.split_from(t, p.into(), &parts).unwrap();
        assert_eq!(l, one_by_one);
        assert_eq!(l.balance(t, a.into()).unwrap(), Amount(42));
        assert_eq!(l.balance(t, q.into()).unwrap(), Amount(20));
        assert_eq!(l.balance(t, p.into()).unwrap(), Amount(43));
        l.check_conservation().unwrap();
        let after = l.clone();
        let e = l
            .split_from(t, p.into(), &[(a.into(), Amount(40)), (q.into(), Amount(9))])
            .unwrap_err();
        assert!(matches!(
            e,
            Error::InsufficientBalance { needed: Amount(49), available: Amount(43), .. }
        ));
        let e =
            l.split_from(t, p.into(), &[(a.into(), Amount(1)), (AccountId(9).into(), Amount(1))]);
        assert!(matches!(e, Err(Error::Unknown { kind: "account", .. })));
        assert_eq!(l, after);
        let cp = l.checkpoint();
        l.split_from(t, p.into(), &[(q.into(), Amount(3))]).unwrap();
        l.revert(cp);
        assert_eq!(l, after);
    }
}
