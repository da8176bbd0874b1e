//! [`Workers`] saved as one column per field, the form every saved state has, and read back
//! into records.

use std::borrow::Cow;

use ergon_core::Names;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Cold, Hot, Pending, WorkerState, Workers};
use crate::closed_form::Clock;
use crate::tokenomic::Tokenomic;

/// The saved form: written from borrowed parts, read into owned ones.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Workers")]
struct Columns<'a> {
    names: Cow<'a, Names>,
    owner: Vec<u32>,
    level: Vec<u8>,
    score: Vec<u32>,
    state: Vec<WorkerState>,
    session: Vec<u32>,
    stake: Vec<u128>,
    cool_down_start: Vec<u32>,
    tok: Vec<Tokenomic>,
    computing: Vec<bool>,
    unresponsive: Vec<bool>,
    heartbeat: Vec<bool>,
    pending: Vec<Pending>,
    paid: Vec<u128>,
    contract: Vec<Option<u32>>,
    upto: Vec<u32>,
    share_ref: Vec<u128>,
    went: Vec<u32>,
    clock: Cow<'a, Option<Clock>>,
    touched: Cow<'a, [u32]>,
    /// Read to refuse a state saved inside a transaction.
    #[serde(with = "no_open_transaction")]
    depth: u32,
}

impl Serialize for Workers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fn col<T, U>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
            rows.iter().map(f).collect()
        }
        let (h, c) = (&self.hot, &self.cold);
        Columns {
            names: Cow::Borrowed(&self.names),
            owner: col(c, |c| c.owner),
            level: col(c, |c| c.level),
            score: col(c, |c| c.score),
            state: col(h, |h| h.state),
            session: col(c, |c| c.session),
            stake: col(c, |c| c.stake),
            cool_down_start: col(c, |c| c.cool_down_start),
            tok: col(h, |h| h.tok),
            computing: col(h, |h| h.computing),
            unresponsive: col(h, |h| h.unresponsive),
            heartbeat: col(h, |h| h.heartbeat),
            pending: col(h, |h| h.pending),
            paid: col(c, |c| c.paid),
            contract: col(h, |h| h.contract),
            upto: col(c, |c| c.upto),
            share_ref: col(c, |c| c.share_ref),
            went: col(c, |c| c.went),
            clock: Cow::Borrowed(&self.clock),
            touched: Cow::Borrowed(&self.touched),
            depth: self.depth,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Workers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Workers, D::Error> {
        let r = Columns::deserialize(d)?;
        let n = r.owner.len();
        let lens = [
            r.level.len(),
            r.score.len(),
            r.state.len(),
            r.session.len(),
            r.stake.len(),
            r.cool_down_start.len(),
            r.tok.len(),
            r.computing.len(),
            r.unresponsive.len(),
            r.heartbeat.len(),
            r.pending.len(),
            r.paid.len(),
            r.contract.len(),
            r.upto.len(),
            r.share_ref.len(),
            r.went.len(),
        ];
        if let Some(bad) = lens.iter().find(|&&l| l != n) {
            let what =
                format!("worker columns of different lengths ({n} owners, a column of {bad})");
            return Err(serde::de::Error::custom(what));
        }
        let hot = (0..n)
            .map(|i| Hot {
                tok: r.tok[i],
                pending: r.pending[i],
                contract: r.contract[i],
                state: r.state[i],
                computing: r.computing[i],
                unresponsive: r.unresponsive[i],
                heartbeat: r.heartbeat[i],
            })
            .collect();
        let cold = (0..n)
            .map(|i| Cold {
                stake: r.stake[i],
                paid: r.paid[i],
                share_ref: r.share_ref[i],
                owner: r.owner[i],
                score: r.score[i],
                session: r.session[i],
                cool_down_start: r.cool_down_start[i],
                upto: r.upto[i],
                went: r.went[i],
                level: r.level[i],
            })
            .collect();
        let (names, clock) = (r.names.into_owned(), r.clock.into_owned());
        let touched = r.touched.into_owned();
        Ok(Workers { names, hot, cold, clock, touched, journal: Vec::new(), depth: 0 })
    }
}

/// [`Workers`]' transaction depth in a saved state: nothing, and refused while a transaction
/// is open (the journal is not saved).
mod no_open_transaction {
    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's `with` signature")]
    pub fn serialize<S: Serializer>(depth: &u32, s: S) -> Result<S::Ok, S::Error> {
        if *depth > 0 {
            return Err(serde::ser::Error::custom("the state is saved inside an open transaction"));
        }
        s.serialize_unit()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        <()>::deserialize(d)?;
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use ergon_core::AccountId;

    use super::*;
    use crate::workers::{Row, WorkerIndex};

    fn two_workers() -> Workers {
        let mut w = Workers::default();
        let a = w.register("a", AccountId(3), 4).unwrap();
        w.register("b", AccountId(5), 1).unwrap();
        let row = Row { score: 1_234, stake: 7, paid: 9, session: 2, ..w.row_stored(a) };
        w.set(a, row);
        w
    }

    /// Saved as one column per field, in the order every saved state has had, and read back
    /// equal.
    #[test]
    fn saved_as_columns_and_read_back() {
        let w = two_workers();
        let v = serde_json::to_value(&w).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let want = [
            "names",
            "owner",
            "level",
            "score",
            "state",
            "session",
            "stake",
            "cool_down_start",
            "tok",
            "computing",
            "unresponsive",
            "heartbeat",
            "pending",
            "paid",
            "contract",
            "upto",
            "share_ref",
            "went",
            "clock",
            "touched",
            "depth",
        ];
        assert_eq!(keys, want);
        assert_eq!(v["owner"], serde_json::json!([3, 5]));
        assert_eq!(v["score"], serde_json::json!([1_234, 0]));
        assert_eq!(v["level"], serde_json::json!([4, 1]));
        let back: Workers = serde_json::from_value(v).unwrap();
        assert_eq!(back, w);
        assert_eq!(back.row_stored(WorkerIndex(0)).stake, 7);
    }

    /// Columns of different lengths are refused, naming the lengths.
    #[test]
    fn columns_of_different_lengths_are_refused() {
        let mut v = serde_json::to_value(two_workers()).unwrap();
        v["paid"] = serde_json::json!([1]);
        let e = serde_json::from_value::<Workers>(v).unwrap_err().to_string();
        assert!(e.contains("2 owners, a column of 1"), "{e}");
    }
}
