//! Seeded random streams — the only source of randomness in Ergon.
//!
//! Owns [`Seed`] (32 bytes), [`RngStreams`] (one master seed and the derivation of independent
//! sub-seeds by path, e.g. `[sweep point, run, purpose, index]`), [`StreamRng`] (one stream and
//! the integer algorithms drawn from it) and the stream labels in [`purpose`].
//!
//! There is no global RNG and no entropy source: every stream comes from a seed that a run
//! records, so the same seed gives the same bytes at any thread count (ARCHITECTURE,
//! "Deterministic simulation"; STYLE rule 13).
//!
//! Stability: the raw keystreams are ChaCha20 (derivation) and ChaCha12 (streams) as defined by
//! `rand_chacha`, and are pinned by golden tests. Everything above `next_u64` — bounded integers,
//! Bernoulli trials, shuffling — is implemented here rather than taken from `rand`, so results
//! do not change when a dependency changes its algorithms.

use std::fmt;
use std::str::FromStr;

use rand_chacha::{ChaCha12Rng, ChaCha20Rng};
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// Stream labels: the `purpose` element of a derivation path, so streams drawn for different
/// purposes never overlap. The values are stable; never renumber one, only add new ones.
pub mod purpose {
    /// Agent behaviour (joins, exits, stake changes, demand).
    pub const AGENTS: u64 = 1;
    /// Task and work assignment (weighted choice of nodes, workers, targets).
    pub const TASKS: u64 = 2;
    /// Network conditions (latency, availability, heartbeats).
    pub const NETWORK: u64 = 3;
    /// Injected faults (offline nodes, misbehaviour, slashing events).
    pub const FAULTS: u64 = 4;
}

/// A 256-bit seed. Shown and parsed as 64 hexadecimal digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seed(pub [u8; 32]);

impl Seed {
    /// Expands a `u64` into a seed: its 8 little-endian bytes fill bytes 0..8, the other 24 bytes
    /// are zero. `Seed::from_u64(42)` displays as `2a00…00`.
    #[must_use]
    pub fn from_u64(n: u64) -> Seed {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&n.to_le_bytes());
        Seed(bytes)
    }

    /// The 32 bytes of the seed.
    #[must_use]
    pub const fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<u64> for Seed {
    fn from(n: u64) -> Seed {
        Seed::from_u64(n)
    }
}

/// 64 lowercase hexadecimal digits, byte 0 first.
impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Parses exactly 64 hexadecimal digits (either case), byte 0 first. Any other text is an
/// [`Error::InvalidParameter`] named `seed`.
impl FromStr for Seed {
    type Err = Error;

    fn from_str(text: &str) -> Result<Seed> {
        let bad = |reason: &str| Error::InvalidParameter {
            name: "seed".into(),
            value: text.to_owned(),
            reason: reason.to_owned(),
        };
        if text.len() != 64 {
            return Err(bad("expected 64 hexadecimal digits"));
        }
        let mut bytes = [0u8; 32];
        for (i, pair) in text.as_bytes().chunks_exact(2).enumerate() {
            let hi = hex_digit(pair[0]).ok_or_else(|| bad("not a hexadecimal digit"))?;
            let lo = hex_digit(pair[1]).ok_or_else(|| bad("not a hexadecimal digit"))?;
            bytes[i] = (hi << 4) | lo;
        }
        Ok(Seed(bytes))
    }
}

/// The value of one ASCII hexadecimal digit.
fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Serialized as its 64-digit hex string.
impl Serialize for Seed {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Accepts a 64-digit hex string or a non-negative integer (expanded by [`Seed::from_u64`]).
impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(u64),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a seed: 64 hexadecimal digits or an integer")
        })? {
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
            Raw::Int(n) => Ok(Seed::from_u64(n)),
        }
    }
}

/// A master seed and the derivation of independent sub-seeds from it.
///
/// Derivation is a PRF chain: for each element `p` of the path, the current seed keys a ChaCha20
/// generator, `p` selects its stream (the 64-bit nonce, little-endian; the 64-bit block counter
/// starts at 0), and the first 32 bytes of that keystream become the next seed — standard
/// ChaCha20 (20 rounds), so any implementation can recompute it. So `derive(&[a, b])` depends only on the master seed,
/// `a` and `b` — never on which other streams were derived, or in which order, or on which thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RngStreams {
    /// The run's master seed.
    pub master: Seed,
}

impl RngStreams {
    /// Streams derived from `master`.
    #[must_use]
    pub const fn new(master: Seed) -> RngStreams {
        RngStreams { master }
    }

    /// The sub-seed at `path`, e.g. `[sweep_point, run, purpose::AGENTS, agent]`. The empty path
    /// is the master seed itself.
    #[must_use]
    pub fn derive(&self, path: &[u64]) -> Seed {
        let mut key = self.master.0;
        for &element in path {
            let mut prf = ChaCha20Rng::from_seed(key);
            prf.set_stream(element);
            prf.set_word_pos(0);
            prf.fill_bytes(&mut key);
        }
        Seed(key)
    }

    /// The random stream seeded by [`RngStreams::derive`]`(path)`.
    #[must_use]
    pub fn stream(&self, path: &[u64]) -> StreamRng {
        StreamRng::new(self.derive(path))
    }
}

/// One deterministic random stream: ChaCha12 keyed by a [`Seed`] (stream 0, word position 0),
/// with Ergon's own integer algorithms on top. All draws consume whole 64-bit words.
///
/// Serialized as its whole position (key, stream and word position), so a stream saved in a
/// checkpoint and loaded draws on exactly as the one saved would have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamRng {
    inner: ChaCha12Rng,
}

impl StreamRng {
    /// The stream keyed by `seed`.
    #[must_use]
    pub fn new(seed: Seed) -> StreamRng {
        StreamRng { inner: ChaCha12Rng::from_seed(seed.0) }
    }

    /// The next 64 uniformly random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Fills `out` with the stream's next words: exactly the values of `out.len()` calls of
    /// [`StreamRng::next_u64`], in order, read in one pass over ChaCha's blocks (a run of draws
    /// that knows how many words it takes reads them so, then draws without the stream).
    pub fn fill_u64(&mut self, out: &mut [u64]) {
        let mut bytes = [0u8; 256];
        for words in out.chunks_mut(32) {
            let b = &mut bytes[..words.len() * 8];
            // Whole 32-bit words, low word first: the bytes of `next_u64`'s values in order.
            self.inner.fill_bytes(b);
            for (w, c) in words.iter_mut().zip(b.as_chunks::<8>().0) {
                *w = u64::from_le_bytes(*c);
            }
        }
    }

    /// The stream's position: the number of 32-bit ChaCha words drawn so far.
    #[must_use]
    pub fn word_pos(&self) -> u128 {
        self.inner.get_word_pos()
    }

    /// Moves the stream to word `pos` ([`StreamRng::word_pos`]): the words from there are those
    /// drawn from there before.
    pub fn set_word_pos(&mut self, pos: u128) {
        self.inner.set_word_pos(pos);
    }

    /// A uniform integer in `[0, n)`, without bias: Lemire's multiply-shift, rejecting the
    /// `2^64 mod n` low products that would favour some results. Draws one word, rarely more.
    ///
    /// # Panics
    /// When `n == 0`: the range is empty, a programming error (callers check for zero weight or
    /// an empty set first).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "StreamRng::below(0): empty range");
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        let mut low = m as u64; // the low 64 bits, truncated on purpose
        if low < n {
            let threshold = n.wrapping_neg() % n; // 2^64 mod n
            while low < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
                low = m as u64;
            }
        }
        (m >> 64) as u64 // m < n·2^64, so the high half fits
    }

    /// A uniform integer in `[0, n)`, without bias. For `n ≤ 2^64` this is exactly
    /// [`StreamRng::below`]; above, it draws 128 bits (high word first), keeps as many low bits as
    /// `n - 1` has, and rejects values `≥ n` (at most half the draws on average).
    ///
    /// # Panics
    /// When `n == 0`, as [`StreamRng::below`].
    pub fn below_u128(&mut self, n: u128) -> u128 {
        assert!(n > 0, "StreamRng::below_u128(0): empty range");
        if let Ok(small) = u64::try_from(n) {
            return u128::from(self.below(small));
        }
        let mask = u128::MAX >> (n - 1).leading_zeros();
        loop {
            let hi = u128::from(self.next_u64());
            let lo = u128::from(self.next_u64());
            let x = ((hi << 64) | lo) & mask;
            if x < n {
                return x;
            }
        }
    }

    /// True with probability exactly `num / den`: `below(den) < num`. `num ≥ den` is always true
    /// (and still draws).
    ///
    /// # Panics
    /// When `den == 0`, as [`StreamRng::below`].
    pub fn bernoulli(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// Shuffles `items` uniformly in place: Fisher–Yates from the last position down, each swap
    /// partner drawn with [`StreamRng::below`]. Draws `len - 1` bounded integers.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let bound = u64::try_from(i + 1).expect("slice lengths fit in u64");
            let j = self.below(bound) as usize; // j ≤ i, so it fits
            items.swap(i, j);
        }
    }
}

/// The `rand` face of a stream, so `rand_distr`'s distributions can draw from it (agent
/// behaviour in simulations). Every word comes from the same ChaCha12 stream.
/// A stream's checkpoint is its position (a ChaCha word counter, 16 bytes): a revert seeks back
/// to it, so the draws after it repeat exactly.
impl crate::txn::Transactional for StreamRng {
    type Checkpoint = u128;
    fn checkpoint(&mut self) -> u128 {
        self.inner.get_word_pos()
    }
    fn commit(&mut self, _cp: u128) {}
    fn revert(&mut self, cp: u128) {
        if self.inner.get_word_pos() != cp {
            self.inner.set_word_pos(cp);
        }
    }
}

impl rand_core::RngCore for StreamRng {
    fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.inner.fill_bytes(dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams() -> RngStreams {
        RngStreams::new(Seed::from_u64(42))
    }

    /// `fill_u64` gives the words `next_u64` would, from any position (odd word counts and
    /// block edges included) and for any length, and leaves the stream where they would; a
    /// position read and set again repeats the words from there.
    #[test]
    fn filled_words_are_the_next_words() {
        for skip in [0u32, 1, 2, 15, 16, 17, 63, 64, 65, 127] {
            for len in [0usize, 1, 2, 7, 31, 32, 33, 64, 100, 257] {
                let mut one = streams().stream(&[purpose::TASKS, 3]);
                for _ in 0..skip {
                    one.inner.next_u32();
                }
                let mut batch = one.clone();
                let at = batch.word_pos();
                let want: Vec<u64> = (0..len).map(|_| one.next_u64()).collect();
                let mut got = vec![0; len];
                batch.fill_u64(&mut got);
                assert_eq!(got, want, "skip {skip}, {len} words");
                assert_eq!(batch.word_pos(), at + 2 * len as u128);
                assert_eq!(batch.next_u64(), one.next_u64(), "skip {skip}, {len} words: after");
                batch.set_word_pos(at);
                let again: Vec<u64> = (0..len).map(|_| batch.next_u64()).collect();
                assert_eq!(again, want, "skip {skip}, {len} words: again from {at}");
            }
        }
    }

    /// A stream saved part-way and loaded draws on as the one saved: its position is in the
    /// saved state, not only its key.
    #[test]
    fn a_saved_stream_draws_on_where_it_stopped() {
        let mut rng = streams().stream(&[purpose::AGENTS, 7]);
        for _ in 0..1_001 {
            rng.next_u64();
        }
        let saved = serde_json::to_string(&rng).expect("a stream serializes");
        let mut loaded: StreamRng = serde_json::from_str(&saved).expect("and reads back");
        assert_eq!(loaded, rng);
        let ahead: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        let again: Vec<u64> = (0..5).map(|_| loaded.next_u64()).collect();
        assert_eq!(again, ahead);
        let fresh = streams().stream(&[purpose::AGENTS, 7]);
        assert_ne!(serde_json::to_string(&fresh).expect("serializes"), saved);
    }

    #[test]
    fn from_u64_is_little_endian_in_the_first_bytes() {
        let s = Seed::from_u64(0x0102_0304_0506_0708);
        assert_eq!(&s.0[..8], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert!(s.0[8..].iter().all(|&b| b == 0));
        assert_eq!(Seed::from_u64(42).to_string(), format!("2a{}", "0".repeat(62)));
    }

    #[test]
    fn hex_and_serde_roundtrip() {
        let s = streams().derive(&[7, 9]);
        let text = s.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<Seed>().unwrap(), s);
        assert_eq!(text.to_uppercase().parse::<Seed>().unwrap(), s);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<Seed>(&json).unwrap(), s);
        assert_eq!(serde_json::from_str::<Seed>("42").unwrap(), Seed::from_u64(42));
        for bad in ["", "2a", &"g".repeat(64), &"0".repeat(65)] {
            let e = bad.parse::<Seed>().unwrap_err();
            assert!(matches!(e, Error::InvalidParameter { ref name, .. } if name == "seed"), "{e}");
        }
        assert!(serde_json::from_str::<Seed>("-1").is_err());
        assert!(serde_json::from_str::<Seed>("\"zz\"").is_err());
    }

    #[test]
    fn derivation_is_a_pure_function_of_the_path() {
        let s = streams();
        assert_eq!(s.derive(&[]), s.master);
        assert_eq!(s.derive(&[1, 2]), s.derive(&[1, 2]));
        // Deriving other paths first changes nothing.
        let _ = s.derive(&[5]);
        assert_eq!(s.derive(&[1, 2]), RngStreams::new(Seed::from_u64(42)).derive(&[1, 2]));
        // The chain: derive(&[a, b]) = derive from derive(&[a]) by b.
        assert_eq!(s.derive(&[1, 2]), RngStreams::new(s.derive(&[1])).derive(&[2]));
        let distinct = [
            s.derive(&[]),
            s.derive(&[0]),
            s.derive(&[1]),
            s.derive(&[1, 2]),
            s.derive(&[2, 1]),
            s.derive(&[1, 2, 0]),
            RngStreams::new(Seed::from_u64(43)).derive(&[1, 2]),
        ];
        for (i, a) in distinct.iter().enumerate() {
            for b in &distinct[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let s = streams();
        let draw = |path: &[u64]| {
            let mut r = s.stream(path);
            (0..8).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(&[1]), draw(&[1]));
        assert_ne!(draw(&[1]), draw(&[2]));
        assert_ne!(draw(&[1]), draw(&[1, 0]));
    }

    #[test]
    fn golden_values() {
        // Pinned once: any change here breaks reproduction of every recorded run.
        let s = streams();
        assert_eq!(s.derive(&[1]).to_string(), GOLDEN_SEED_1);
        let mut r = s.stream(&[1]);
        let words: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(words, GOLDEN_WORDS_1);
        let mut r = s.stream(&[1]);
        let dice: Vec<u64> = (0..8).map(|_| r.below(6)).collect();
        assert_eq!(dice, GOLDEN_DICE_1);
    }

    /// ChaCha20, key = `Seed::from_u64(42)`, 64-bit counter 0, 64-bit nonce 1 (little-endian):
    /// checked against an independent ChaCha20 implementation (Python `cryptography`).
    const GOLDEN_SEED_1: &str = "cd92b510392cf7a31b81acdb2518ee9efb2e566ceebb15fad830fc0a9d9d124c";
    const GOLDEN_WORDS_1: [u64; 4] =
        [15744261792118969562, 5669293365957515437, 18399576023409322164, 7248286317514572418];
    const GOLDEN_DICE_1: [u64; 8] = [5, 1, 5, 2, 5, 5, 1, 5];

    #[test]
    fn below_is_uniform_enough() {
        let mut r = streams().stream(&[purpose::TASKS]);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[r.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..=10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = streams().stream(&[purpose::AGENTS]);
        for n in [1u64, 2, 3, 7, 1 << 63, (1 << 63) + 1, u64::MAX] {
            for _ in 0..200 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(r.below(1), 0);
        let big = [u128::from(u64::MAX) + 1, (1u128 << 100) + 3, u128::MAX];
        for n in big {
            for _ in 0..200 {
                assert!(r.below_u128(n) < n);
            }
        }
        // Large ranges reach their upper half.
        let n = (1u128 << 100) + 3;
        assert!((0..64).any(|_| r.below_u128(n) >= n / 2));
    }

    #[test]
    fn below_u128_matches_below_for_small_ranges() {
        let (mut a, mut b) = (streams().stream(&[9]), streams().stream(&[9]));
        for n in [1u64, 5, 1000, u64::MAX] {
            assert_eq!(a.below_u128(u128::from(n)), u128::from(b.below(n)));
        }
    }

    #[test]
    #[should_panic(expected = "empty range")]
    fn below_zero_is_a_bug() {
        streams().stream(&[]).below(0);
    }

    #[test]
    fn bernoulli_is_exact_integer() {
        let mut r = streams().stream(&[purpose::FAULTS]);
        assert!((0..100).all(|_| r.bernoulli(5, 5)));
        assert!((0..100).all(|_| !r.bernoulli(0, 5)));
        let hits = (0..40_000).filter(|_| r.bernoulli(1, 4)).count();
        assert!((9_500..=10_500).contains(&hits), "{hits}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = streams().stream(&[purpose::NETWORK]);
        let mut v: Vec<u32> = (0..100).collect();
        r.shuffle(&mut v);
        assert_ne!(v, (0..100).collect::<Vec<_>>());
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        let mut empty: [u8; 0] = [];
        r.shuffle(&mut empty);
        let mut one = [7];
        r.shuffle(&mut one);
        assert_eq!(one, [7]);
        // Every ordering of 3 items appears.
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let mut t = [0, 1, 2];
            r.shuffle(&mut t);
            seen.insert(t);
        }
        assert_eq!(seen.len(), 6);
    }
}
