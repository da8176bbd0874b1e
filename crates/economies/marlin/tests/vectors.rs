//! Every Marlin replay vector in tests/vectors/marlin/ (`NAME.jsonl`) replays through the core's
//! [`Replayer`] to exactly its hand-worked `NAME.expected.jsonl`, with the invariants checked
//! after every line and in full at the end. Spot checks pin the seed table's headline figures.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::economy::{Registry, constructor};
use ergon_core::replay::{Replayer, first_difference};
use ergon_marlin::Marlin;

static REGISTRY: &Registry = &[("marlin", constructor::<Marlin>)];

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/vectors/marlin")
}

fn replay(name: &str) -> Vec<String> {
    let input = std::fs::read_to_string(dir().join(format!("{name}.jsonl"))).unwrap();
    let mut r = Replayer::new(REGISTRY);
    let out = input.lines().enumerate().filter_map(|(i, l)| r.feed(i + 1, l).unwrap()).collect();
    r.finish().unwrap();
    out
}

#[test]
fn every_vector_matches_its_expected_output() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter(|n| n.ends_with(".jsonl") && !n.ends_with(".expected.jsonl"))
        .map(|n| n.trim_end_matches(".jsonl").to_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let out = replay(&name);
        let expected =
            std::fs::read_to_string(dir().join(format!("{name}.expected.jsonl"))).unwrap();
        if let Some(d) = first_difference(&out, &expected) {
            panic!("{name}: {d:?}");
        }
    }
}

#[test]
fn the_seed_table_ends_with_190_mpond_converted() {
    let out = replay("seed-bridge");
    let last: serde_json::Value = serde_json::from_str(out.last().unwrap()).unwrap();
    let s = &last["state"];
    // 1000 − 85 − 2 − 10 − 93 = 810 MPOND left; 190 × 10^6 POND received.
    assert_eq!(s["accounts"]["user"]["mpond"], "810");
    assert_eq!(s["accounts"]["user"]["pond"], "190000000");
    assert_eq!(s["bridge"]["mpond_in"], "190");
}
