//! A bucket of [`super::RowLocks`]: the rows locked until one epoch, each row's amounts held in
//! 64-bit words when they fit (a row of 24 bytes for two sources instead of 48: a bucket is read
//! back from memory when it falls due, weeks after it was written, so its size is the release's
//! time) and in a side list of full amounts when one does not.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Epoch;
use crate::amount::Amount;
use crate::ledger::AccountId;

/// One owner's amounts locked until the bucket's epoch, by source; `generation` is the owner's
/// forfeit generation when it was locked (a row of an older one is dead). A wide row keeps its
/// amounts in the bucket's side list, at the index in `amounts[0]`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Row<const N: usize> {
    pub(super) owner: AccountId,
    pub(super) generation: u16,
    wide: bool,
    amounts: [u64; N],
}

/// The rows locked until `release_at`, in the order they were locked.
#[derive(Clone, Debug)]
pub(super) struct Bucket<const N: usize> {
    pub(super) release_at: Epoch,
    rows: Vec<Row<N>>,
    /// The amounts of the wide rows, in row order.
    wide: Vec<[Amount; N]>,
}

impl<const N: usize> Bucket<N> {
    /// An empty bucket for `release_at`, reusing `spare`'s memory.
    pub(super) fn reuse(mut spare: Bucket<N>, release_at: Epoch) -> Bucket<N> {
        spare.rows.clear();
        spare.wide.clear();
        spare.release_at = release_at;
        spare
    }

    /// The rows, in the order they were locked.
    #[inline]
    pub(super) fn rows(&self) -> &[Row<N>] {
        &self.rows
    }

    /// The number of rows and of wide rows: what [`Bucket::truncate`] goes back to.
    pub(super) fn len(&self) -> (usize, usize) {
        (self.rows.len(), self.wide.len())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(super) fn capacity(&self) -> usize {
        self.rows.capacity()
    }

    pub(super) fn reserve(&mut self, n: usize) {
        self.rows.reserve(n);
    }

    /// Row `r`'s amounts (a row of this bucket).
    #[inline]
    pub(super) fn amounts(&self, r: &Row<N>) -> [Amount; N] {
        if r.wide {
            self.wide[r.amounts[0] as usize]
        } else {
            r.amounts.map(|a| Amount(u128::from(a)))
        }
    }

    /// Appends a row.
    #[inline]
    pub(super) fn push(&mut self, owner: AccountId, generation: u16, amounts: [Amount; N]) {
        let row = self.row(owner, generation, amounts);
        self.rows.push(row);
    }

    /// The row of `amounts`: narrow when each fits 64 bits, else wide (its amounts appended to
    /// the side list).
    fn row(&mut self, owner: AccountId, generation: u16, amounts: [Amount; N]) -> Row<N> {
        match narrow(amounts) {
            Some(words) => Row { owner, generation, wide: false, amounts: words },
            None => {
                let mut words = [0; N];
                if let Some(w) = words.first_mut() {
                    *w = self.wide.len() as u64;
                }
                self.wide.push(amounts);
                Row { owner, generation, wide: true, amounts: words }
            }
        }
    }

    /// Sets row `index`'s amounts (an index below the number of rows).
    pub(super) fn set(&mut self, index: usize, amounts: [Amount; N]) {
        let r = self.rows[index];
        if r.wide {
            self.wide[r.amounts[0] as usize] = amounts;
        } else {
            self.rows[index] = self.row(r.owner, r.generation, amounts);
        }
    }

    /// Back to `len` rows and wide rows ([`Bucket::len`] at that time); a wide entry that a
    /// remaining row still names (a row set wide since) is kept.
    pub(super) fn truncate(&mut self, (rows, wide): (usize, usize)) {
        self.rows.truncate(rows);
        if wide < self.wide.len() {
            let named = self.rows.iter().filter(|r| r.wide).map(|r| r.amounts[0] as usize + 1);
            self.wide.truncate(named.max().unwrap_or(0).max(wide));
        }
    }
}

/// The amounts in 64-bit words, when each fits.
#[inline]
fn narrow<const N: usize>(amounts: [Amount; N]) -> Option<[u64; N]> {
    let mut words = [0; N];
    for (w, a) in words.iter_mut().zip(amounts) {
        *w = u64::try_from(a.0).ok()?;
    }
    Some(words)
}

impl<const N: usize> Default for Bucket<N> {
    fn default() -> Bucket<N> {
        Bucket { release_at: Epoch(0), rows: Vec::new(), wide: Vec::new() }
    }
}

/// Buckets are equal when they hold the same rows, however their amounts are held.
impl<const N: usize> PartialEq for Bucket<N> {
    fn eq(&self, other: &Bucket<N>) -> bool {
        self.release_at == other.release_at
            && self.rows.len() == other.rows.len()
            && self.rows.iter().zip(&other.rows).all(|(a, b)| {
                (a.owner, a.generation, self.amounts(a))
                    == (b.owner, b.generation, other.amounts(b))
            })
    }
}

impl<const N: usize> Eq for Bucket<N> {}

/// A row as saved: its owner, generation and full amounts.
#[serde_with::serde_as]
#[derive(Serialize, Deserialize)]
struct SavedRow<const N: usize> {
    owner: AccountId,
    generation: u16,
    #[serde_as(as = "[_; N]")]
    amounts: [Amount; N],
}

/// A narrow row's bytes in the saved form: owner (4), generation (2), a tag (1), N words of 8.
const fn narrow_bytes(n: usize) -> usize {
    7 + 8 * n
}

/// Saved, in a human-readable form (a state shown as JSON), as `(release_at, rows)`, each row
/// with its full amounts; in a binary form (a checkpoint), as `(release_at, bytes)`: each row
/// its owner (u32), generation (u16), a tag (0: N amounts of 8 bytes follow; 1: N of 16) and
/// its amounts, little-endian — about a third of the rows as records with field names.
impl<const N: usize> Serialize for Bucket<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            let rows: Vec<SavedRow<N>> = self
                .rows
                .iter()
                .map(|r| SavedRow {
                    owner: r.owner,
                    generation: r.generation,
                    amounts: self.amounts(r),
                })
                .collect();
            return (self.release_at, rows).serialize(s);
        }
        let mut bytes = Vec::with_capacity(self.rows.len() * narrow_bytes(N));
        for r in &self.rows {
            bytes.extend_from_slice(&r.owner.0.to_le_bytes());
            bytes.extend_from_slice(&r.generation.to_le_bytes());
            // By the amounts, not by how the row is held (a wide row a deduction made small
            // saves as a narrow one), so the bytes are the state's alone.
            let amounts = self.amounts(r);
            match narrow(amounts) {
                Some(words) => {
                    bytes.push(0);
                    words.iter().for_each(|w| bytes.extend_from_slice(&w.to_le_bytes()));
                }
                None => {
                    bytes.push(1);
                    amounts.iter().for_each(|a| bytes.extend_from_slice(&a.0.to_le_bytes()));
                }
            }
        }
        (self.release_at, serde_bytes_of(&bytes)).serialize(s)
    }
}

/// `bytes` as one CBOR byte string (not an array of numbers).
fn serde_bytes_of(bytes: &[u8]) -> impl Serialize + '_ {
    struct Bytes<'a>(&'a [u8]);
    impl Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    Bytes(bytes)
}

impl<'de, const N: usize> Deserialize<'de> for Bucket<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bucket<N>, D::Error> {
        if d.is_human_readable() {
            let (release_at, saved): (Epoch, Vec<SavedRow<N>>) = Deserialize::deserialize(d)?;
            let mut b =
                Bucket { release_at, rows: Vec::with_capacity(saved.len()), wide: Vec::new() };
            for r in saved {
                b.push(r.owner, r.generation, r.amounts);
            }
            return Ok(b);
        }
        let (release_at, ByteVec(bytes)): (Epoch, ByteVec) = Deserialize::deserialize(d)?;
        let mut b = Bucket { release_at, rows: Vec::new(), wide: Vec::new() };
        let mut rest = bytes.as_slice();
        let bad = || serde::de::Error::custom("a bucket's rows are cut short or mistagged");
        while !rest.is_empty() {
            let (head, tail) = rest.split_at_checked(7).ok_or_else(bad)?;
            let owner = AccountId(u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
            let generation = u16::from_le_bytes([head[4], head[5]]);
            let width = match head[6] {
                0 => 8,
                1 => 16,
                _ => return Err(bad()),
            };
            let (words, tail) = tail.split_at_checked(width * N).ok_or_else(bad)?;
            let mut amounts = [Amount::ZERO; N];
            for (a, w) in amounts.iter_mut().zip(words.chunks_exact(width)) {
                let mut le = [0u8; 16];
                le[..width].copy_from_slice(w);
                *a = Amount(u128::from_le_bytes(le));
            }
            b.push(owner, generation, amounts);
            rest = tail;
        }
        Ok(b)
    }
}

/// A byte string read back whole (CBOR's bytes, or a sequence of numbers).
struct ByteVec(Vec<u8>);

impl<'de> Deserialize<'de> for ByteVec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteVec, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ByteVec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a bucket's rows as bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<ByteVec, E> {
                Ok(ByteVec(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<ByteVec, E> {
                Ok(ByteVec(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ByteVec, A::Error> {
                let mut v = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    v.push(b);
                }
                Ok(ByteVec(v))
            }
        }
        d.deserialize_byte_buf(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: u128 = 1 << 64;

    fn bucket(rows: &[(u32, [u128; 2])]) -> Bucket<2> {
        let mut b = Bucket::reuse(Bucket::default(), Epoch(7));
        for &(o, a) in rows {
            b.push(AccountId(o), 0, a.map(Amount));
        }
        b
    }

    fn amounts(b: &Bucket<2>) -> Vec<[u128; 2]> {
        b.rows().iter().map(|r| b.amounts(r).map(|a| a.0)).collect()
    }

    /// A bucket of narrow and wide rows reads back as it was from both saved forms: CBOR (the
    /// rows' bytes, 23 a narrow row of two sources) and JSON (the rows with their amounts).
    #[test]
    fn a_bucket_reads_back_from_its_binary_and_its_readable_form() {
        let rows = [(1, [5, 0]), (2, [BIG - 1, 3]), (3, [BIG, 1]), (70_000, [0, u128::MAX])];
        let mut b = bucket(&rows);
        b.rows[1].generation = 513;
        let mut cbor = Vec::new();
        ciborium::into_writer(&b, &mut cbor).expect("cbor");
        let back: Bucket<2> = ciborium::from_reader(cbor.as_slice()).expect("read back");
        assert!(back == b, "{back:?}");
        assert_eq!(back.rows[1].generation, 513);
        // The rows' bytes: two narrow rows of 23, two wide of 39, in one byte string.
        assert!(cbor.len() < 2 * 23 + 2 * 39 + 16, "{} bytes", cbor.len());
        // A wide row made small (as a deduction does) saves as a narrow one: the bytes of a
        // state read back are the bytes it was read from.
        b.set(2, [Amount(4), Amount(1)]);
        let mut first = Vec::new();
        ciborium::into_writer(&b, &mut first).expect("cbor");
        let back: Bucket<2> = ciborium::from_reader(first.as_slice()).expect("read back");
        let mut again = Vec::new();
        ciborium::into_writer(&back, &mut again).expect("cbor");
        assert_eq!(first, again);
        let json = serde_json::to_string(&b).expect("json");
        assert!(json.contains("\"owner\":70000"), "{json}");
        let back: Bucket<2> = serde_json::from_str(&json).expect("read back");
        assert!(back == b);
        // Cut short, or a tag other than 0 and 1: refused.
        let mut bad = b.clone();
        bad.rows.truncate(1);
        let mut one = Vec::new();
        ciborium::into_writer(&bad, &mut one).expect("cbor");
        let n = one.len();
        one[n - 1] ^= 0xff; // the last byte of the last amount: still reads
        assert!(ciborium::from_reader::<Bucket<2>, _>(one.as_slice()).is_ok());
        let tag_at = n - 2 * 8 - 1;
        one[tag_at] = 7;
        assert!(ciborium::from_reader::<Bucket<2>, _>(one.as_slice()).is_err());
    }

    #[test]
    fn rows_keep_their_amounts_narrow_or_wide() {
        let rows =
            [(1, [5, 0]), (2, [BIG - 1, 3]), (3, [BIG, 1]), (4, [0, u128::MAX]), (5, [9, 9])];
        let b = bucket(&rows);
        assert_eq!(amounts(&b), rows.map(|r| r.1).to_vec());
        // Only the rows with an amount of 2^64 or more are wide.
        assert_eq!(
            b.rows().iter().map(|r| r.wide).collect::<Vec<_>>(),
            [false, false, true, true, false]
        );
        assert_eq!(b.len(), (5, 2));
    }

    #[test]
    fn set_and_truncate_restore_any_row() {
        let mut b = bucket(&[(1, [5, 0]), (2, [BIG, 1])]);
        let at = b.len();
        b.push(AccountId(3), 1, [Amount(BIG + 5), Amount(0)]);
        b.push(AccountId(4), 1, [Amount(6), Amount(0)]);
        // A narrow row set above 2^64 turns wide; a wide row set small stays readable.
        b.set(0, [Amount(BIG * 3), Amount(2)]);
        b.set(1, [Amount(4), Amount(0)]);
        assert_eq!(amounts(&b), [[BIG * 3, 2], [4, 0], [BIG + 5, 0], [6, 0]]);
        // Truncated while row 0 names the newest wide entry: that entry stays.
        b.truncate(at);
        assert_eq!(amounts(&b), [[BIG * 3, 2], [4, 0]]);
        b.set(0, [Amount(5), Amount(0)]);
        b.set(1, [Amount(BIG), Amount(1)]);
        assert_eq!(amounts(&b), [[5, 0], [BIG, 1]]);
        // Equal to the same rows pushed afresh, and saved and read back as they are.
        assert_eq!(b, bucket(&[(1, [5, 0]), (2, [BIG, 1])]));
        assert_ne!(b, bucket(&[(1, [5, 0]), (2, [BIG, 2])]));
        let json = serde_json::to_string(&b).unwrap();
        let back: Bucket<2> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);
        assert_eq!(amounts(&back), amounts(&b));
    }

    /// The saved form is the one of rows with full amounts: `[release_at, [rows]]`.
    #[test]
    fn saves_rows_with_their_full_amounts() {
        let b = bucket(&[(1, [5, 0]), (2, [BIG, 1])]);
        let text = serde_json::to_string(&b).unwrap();
        let saved = r#"[7,[{"owner":1,"generation":0,"amounts":["5","0"]},{"owner":2,"generation":0,"amounts":["18446744073709551616","1"]}]]"#;
        assert_eq!(text, saved);
        assert_eq!(serde_json::from_str::<Bucket<2>>(saved).unwrap(), b);
    }
}
