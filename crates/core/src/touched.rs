//! [`Touched`]: the keys an aggregate changed since its invariants were last checked, so that a
//! check after each step (replay's, line by line) looks at those keys alone — O(changes), not
//! O(keys) — and the aggregate's totals. Off until a checker turns it on: a simulation, which
//! never checks step by step, pays one branch a change and keeps no list.
//!
//! Bounded: past [`Touched::CAP`] keys the list is dropped and marked as overflowed, and the
//! next check looks at every key (a step that changes that much is checked in full). A key may
//! appear more than once.
//!
//! Not part of the state: two aggregates are equal whatever they touched, and a clone starts
//! with tracking off (its first check is a full one).

/// Keys changed since the last check. See the module doc.
#[derive(Debug)]
pub struct Touched<K> {
    on: bool,
    /// On and not overflowed: [`Touched::mark`] keeps keys (one test on the hot path).
    keeping: bool,
    keys: Vec<K>,
}

impl<K> Default for Touched<K> {
    fn default() -> Self {
        Touched { on: false, keeping: false, keys: Vec::new() }
    }
}

/// Saved as nothing: a restored state starts with tracking off, as a clone does.
impl<K> serde::Serialize for Touched<K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de, K> serde::Deserialize<'de> for Touched<K> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <()>::deserialize(d)?;
        Ok(Touched::default())
    }
}

impl<K> Clone for Touched<K> {
    fn clone(&self) -> Self {
        Touched::default()
    }
}

impl<K> PartialEq for Touched<K> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<K> Eq for Touched<K> {}

/// What a check has to look at: the keys touched, or (`None`) every key.
pub type Changed<K> = Option<Vec<K>>;

impl<K: Copy> Touched<K> {
    /// Keys kept before the list overflows.
    pub const CAP: usize = 4_096;

    /// Whether changes are being recorded.
    #[must_use]
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Starts recording, with nothing touched (the caller has just checked every key).
    pub fn start(&mut self) {
        self.on = true;
        self.keeping = true;
        self.keys.clear();
    }

    /// Records that `k` changed (nothing when off or overflowed).
    #[inline]
    pub fn mark(&mut self, k: K) {
        if self.keeping {
            if self.keys.len() == Self::CAP {
                self.mark_all();
            } else {
                self.keys.push(k);
            }
        }
    }

    /// Records that any key may have changed: the next check looks at every key.
    pub fn mark_all(&mut self) {
        self.keeping = false;
        self.keys = Vec::new();
    }

    /// The keys touched since the last call (`None`: every key, after an overflow or while
    /// off), and starts afresh.
    pub fn take(&mut self) -> Changed<K> {
        let all = !self.keeping;
        self.keeping = self.on;
        let keys = std::mem::take(&mut self.keys);
        (!all).then_some(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_when_on_and_overflows_to_all() {
        let mut t: Touched<u32> = Touched::default();
        t.mark(1);
        assert_eq!(t.take(), None, "off: every key");
        t.start();
        t.mark(3);
        t.mark(5);
        assert_eq!(t.take(), Some(vec![3, 5]));
        assert_eq!(t.take(), Some(vec![]));
        for k in 0..=Touched::<u32>::CAP as u32 {
            t.mark(k);
        }
        assert_eq!(t.take(), None, "past the cap: every key");
        t.mark(7);
        assert_eq!(t.take(), Some(vec![7]));
        t.mark_all();
        assert_eq!(t.take(), None);
        assert!(t.clone().take().is_none(), "a clone starts off");
    }
}
