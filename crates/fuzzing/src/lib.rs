//! # ergon-fuzzing — the fuzz targets, as plain functions
//!
//! Each target takes arbitrary bytes and panics only on a defect of Ergon (docs/fuzzing.md):
//!
//! - [`scenario`]: the bytes as a scenario file, through what `ergon check` does — the economy
//!   it names, validation into a plan, and every run's genesis built with the run's draws. Bad
//!   input must come back as diagnostics or an error, never a panic.
//! - [`replay_lines`]: a shipped vector's genesis, then the bytes as replay lines, through the
//!   replay driver with every invariant checked in full after every line. A malformed or refused
//!   line is fine; a broken invariant or a panic is not.
//! - [`amount`]: the bytes as a decimal amount for every number of decimals and as a Cosmos
//!   `Dec`; whatever parses must format back to text that parses to the same value.
//! - [`ops`]: a sequence of one economy's operations built from the bytes out of the operations
//!   of its shipped replay vectors (fields kept, dropped, or changed to edge values, accounts
//!   swapped, epochs closed in between), every invariant checked in full after every line, and a
//!   refused operation required to leave the state exactly as it was.
//!
//! `fuzz/` drives them with cargo-fuzz (coverage-guided, for minutes or hours); the crate's
//! tests drive them with a few thousand deterministic inputs in seconds.

mod bytes;
mod ops;
mod vectors;

use ergon_core::amount::{Qty, TokenMeta};
use ergon_core::dec::Dec;
use ergon_core::replay::Replayer;
use ergon_sim::Source;

pub use bytes::Bytes;
pub use ops::ops;
pub use vectors::{ECONOMIES, Vector, vectors};

/// The most jobs (points × runs) whose genesis [`scenario`] builds: a scenario asking for more
/// is validated only, so that one input stays a few milliseconds.
pub const BUILD_JOBS_MAX: u64 = 16;

/// The largest expected memory of one run (where the economy estimates it) for which
/// [`scenario`] builds the genesis.
pub const BUILD_MEMORY_MAX: u64 = 256 << 20;

/// The most epochs one `advance` line of [`replay_lines`] may close (longer ones are skipped:
/// they are slow, not wrong).
pub const ADVANCE_MAX: u64 = 64;

/// The bytes as a scenario file, checked as `ergon check` does.
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Source { name: "fuzz.toml", text };
    let Ok(entry) = ergon_registry::for_scenario(source) else { return };
    let Ok(sim) = (entry.plan)(source, &[], None) else { return };
    let info = sim.info();
    let jobs =
        u64::try_from(info.points.len()).unwrap_or(u64::MAX).saturating_mul(u64::from(info.runs));
    if jobs <= BUILD_JOBS_MAX && info.memory_per_run.is_none_or(|m| m <= BUILD_MEMORY_MAX) {
        // A refusal is an answer (it names the field); only a panic is a defect.
        let _ = sim.build_all();
    }
}

/// A shipped vector's genesis (chosen by the first byte), then the rest of the bytes as replay
/// lines; panics on a broken invariant.
pub fn replay_lines(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    let all = vectors::all();
    let vector = &all[usize::from(pick) % all.len()];
    let registry = ergon_registry::replay_registry();
    let mut replayer = Replayer::new(&registry).full_checks(true);
    replayer.feed(1, &vector.genesis).expect("a shipped vector's genesis replays");
    let text = String::from_utf8_lossy(rest);
    for (i, line) in text.lines().enumerate().take(256) {
        if long_advance(line) {
            continue;
        }
        if let Err(e) = replayer.feed(i + 2, line) {
            assert!(!e.is_invariant(), "{}: {e}", vector.name);
        }
    }
    if let Err(e) = replayer.finish() {
        panic!("{}: {e}", vector.name);
    }
}

/// True for an `advance` line of more than [`ADVANCE_MAX`] epochs.
fn long_advance(line: &str) -> bool {
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(line) else {
        return false;
    };
    obj.get("op").and_then(|v| v.as_str()) == Some("advance")
        && obj.get("epochs").and_then(serde_json::Value::as_u64).is_none_or(|n| n > ADVANCE_MAX)
}

/// The bytes as a decimal amount (every number of decimals, 0 to 38) and as a `Dec`: whatever
/// parses formats back to text that parses to the same value.
pub fn amount(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(q) = Qty::parse(text) {
        for decimals in 0..=38 {
            let token = TokenMeta::new("T", decimals);
            if let Ok(a) = q.to_amount(&token) {
                let back = token.format(a);
                assert_eq!(token.parse(&back).ok(), Some(a), "{text:?} at {decimals} decimals");
            }
        }
    }
    if let Ok(d) = text.parse::<Dec>() {
        let back = d.to_string();
        assert_eq!(back.parse::<Dec>().ok(), Some(d), "{text:?} as a Dec");
    }
}
