//! [`Names`]: the names of dense ids (an economy's accounts), stored compactly. Every name lives
//! in one text buffer, ended at an offset kept per id, and an open-addressing index finds an id
//! by its name's hash: about a dozen bytes per name besides its text, where a `String` per name
//! and an ordered map of copies of them took well over a hundred (docs/PERFORMANCE.md, "Memory").
//!
//! Names are appended and never removed; an append is journaled while a checkpoint is open
//! ([`crate::txn::Transactional`]), so a transaction that named an id and failed forgets it.
//! Lookups depend on nothing but the names, so the order of the index never shows.

use crate::txn::{Journal, Journaled};

/// The most text the names may hold, bytes (offsets are `u32`).
pub const NAMES_TEXT_MAX: usize = u32::MAX as usize;

/// The candidate nearest to `word` by edit distance (Damerau–Levenshtein), if near enough to be
/// a typo: at most a third of the word's length, at least 1, edits away (ties: the first
/// alphabetically). For "did you mean" hints.
#[must_use]
pub fn nearest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Refuses a name no one could write back: empty, or with a control character (a line break
/// would split a replay line, a CSV row or a report's table). `kind` says what is named
/// (`"account"`, `"worker"`, `"node"`).
pub fn check_name(kind: &'static str, name: &str) -> crate::error::Result<()> {
    let reason = if name.is_empty() {
        "a name must not be empty"
    } else if name.chars().any(char::is_control) {
        "a name must not hold control characters (line breaks, tabs)"
    } else {
        return Ok(());
    };
    Err(crate::error::Error::InvalidParameter {
        name: format!("{kind} name"),
        value: format!("{name:?}"),
        reason: reason.into(),
    })
}

/// Names of the ids `0, 1, …`, with a lookup by name. See the module doc.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Names {
    /// Every name, one after the other.
    text: String,
    /// Where each name ends in `text`, by id.
    ends: Vec<u32>,
    /// The index: `id + 1` at a slot near the name's hash, 0 for an empty slot (linear probing;
    /// a power-of-two length, at most three quarters full).
    slots: Vec<u32>,
    journal: Journal<()>,
}

/// Two name lists are equal when they hold the same names in the same order.
impl PartialEq for Names {
    fn eq(&self, other: &Self) -> bool {
        (&self.text, &self.ends) == (&other.text, &other.ends)
    }
}
impl Eq for Names {}

impl Journaled for Names {
    type Undo = ();
    fn journal(&mut self) -> &mut Journal<()> {
        &mut self.journal
    }
    fn undo(&mut self, (): ()) {
        self.pop();
    }
}

impl Names {
    /// No names.
    #[must_use]
    pub fn new() -> Names {
        Names::default()
    }

    /// How many names there are (the next id).
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The name of `id` (panics when `id` was never named: ids come from [`Names::push`]).
    #[must_use]
    pub fn name(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The id named `name`, if any.
    #[must_use]
    pub fn id(&self, name: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut s = slot_of(name, mask);
        loop {
            match self.slots[s] {
                0 => return None,
                v if self.name(v - 1) == name => return Some(v - 1),
                _ => s = (s + 1) & mask,
            }
        }
    }

    /// Every (id, name), by id.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        (0..self.ends.len() as u32).map(|id| (id, self.name(id)))
    }

    /// Names the next id `name` and returns it; `None`, and nothing named, when `name` is taken
    /// or the text would pass [`NAMES_TEXT_MAX`] bytes or the ids `u32::MAX - 1`.
    pub fn push(&mut self, name: &str) -> Option<u32> {
        let end = self.text.len().checked_add(name.len()).filter(|&e| e <= NAMES_TEXT_MAX)?;
        let id = u32::try_from(self.ends.len()).ok().filter(|&id| id < u32::MAX - 1)?;
        if self.id(name).is_some() {
            return None;
        }
        if (self.ends.len() + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        self.text.push_str(name);
        self.ends.push(end as u32);
        self.insert(id);
        self.journal.record(());
        Some(id)
    }

    /// Reserves room for `additional` more names of about `bytes_each` bytes.
    pub fn reserve(&mut self, additional: usize, bytes_each: usize) {
        self.text.reserve(additional.saturating_mul(bytes_each));
        self.ends.reserve_exact(additional);
    }

    /// Puts `id` (already in `ends`) into the index.
    fn insert(&mut self, id: u32) {
        let mask = self.slots.len() - 1;
        let mut s = slot_of(self.name(id), mask);
        while self.slots[s] != 0 {
            s = (s + 1) & mask;
        }
        self.slots[s] = id + 1;
    }

    /// Doubles the index (at least 16 slots) and puts every id back.
    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(16);
        self.slots = vec![0; n];
        for id in 0..self.ends.len() as u32 {
            self.insert(id);
        }
    }

    /// Forgets the last name: out of the index (shifting back the entries that probed past its
    /// slot, so that every probe still finds its id) and out of the text.
    fn pop(&mut self) {
        let Some(id) = self.ends.len().checked_sub(1) else { return };
        let id = id as u32;
        let mask = self.slots.len() - 1;
        let mut hole = slot_of(self.name(id), mask);
        while self.slots[hole] != id + 1 {
            hole = (hole + 1) & mask;
        }
        let mut s = hole;
        loop {
            s = (s + 1) & mask;
            let v = self.slots[s];
            if v == 0 {
                break;
            }
            let home = slot_of(self.name(v - 1), mask);
            // `v` may move back to the hole when the hole lies on its probe path (home … s).
            if (s.wrapping_sub(home) & mask) >= (s.wrapping_sub(hole) & mask) {
                self.slots[hole] = v;
                hole = s;
            }
        }
        self.slots[hole] = 0;
        let start = if id == 0 { 0 } else { self.ends[id as usize - 1] as usize };
        self.text.truncate(start);
        self.ends.pop();
    }
}

/// The home slot of `name` in an index of `mask + 1` slots: FNV-1a over its bytes, then the top
/// bits of a multiplicative mix (the same on every machine and run).
fn slot_of(name: &str, mask: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mixed = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let bits = (mask + 1).trailing_zeros();
    if bits == 0 { 0 } else { (mixed >> (64 - bits)) as usize }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::txn::{Transactional, atomic};

    #[test]
    fn names_are_found_by_name_and_by_id() {
        let mut n = Names::new();
        for i in 0..1_000 {
            assert_eq!(n.push(&format!("a{i}")), Some(i));
        }
        assert_eq!(n.push("a7"), None);
        assert_eq!(n.push(""), Some(1_000));
        assert_eq!(n.id(""), Some(1_000));
        for i in 0..1_000 {
            assert_eq!(n.id(&format!("a{i}")), Some(i));
            assert_eq!(n.name(i), format!("a{i}"));
        }
        assert_eq!(n.id("b"), None);
        assert_eq!(n.iter().nth(3), Some((3, "a3")));
    }

    #[test]
    fn a_reverted_push_is_forgotten_and_every_other_name_still_found() {
        let mut n = Names::new();
        for i in 0..300 {
            n.push(&format!("x{i}"));
        }
        let before = n.clone();
        let r: Result<(), ()> = atomic(&mut n, |n| {
            for i in 0..200 {
                n.push(&format!("y{i}"));
            }
            Err(())
        });
        assert!(r.is_err());
        assert_eq!(n, before);
        for i in 0..300 {
            assert_eq!(n.id(&format!("x{i}")), Some(i));
        }
        for i in 0..200 {
            assert_eq!(n.id(&format!("y{i}")), None);
        }
        let cp = n.checkpoint();
        assert_eq!(n.push("z"), Some(300));
        n.commit(cp);
        assert_eq!(n.id("z"), Some(300));
    }
}
