//! Every vector in tests/vectors/phala/ replays through [`Replayer`] to exactly its expected
//! output (the economy joins the program's registry with its model; until then its crate
//! replays its vectors), with every invariant checked in full after every line.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::economy::{Registry, constructor};
use ergon_core::replay::{Replayer, first_difference};
use ergon_phala::Phala;

const REGISTRY: &Registry = &[("phala", constructor::<Phala>)];

fn replay(name: &str) -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/vectors/phala/");
    let input = std::fs::read_to_string(format!("{dir}{name}.jsonl")).unwrap();
    let expected = std::fs::read_to_string(format!("{dir}{name}.expected.jsonl")).unwrap();
    let mut replayer = Replayer::new(REGISTRY).full_checks(true);
    let out: Vec<String> =
        input.lines().enumerate().filter_map(|(i, l)| replayer.feed(i + 1, l).unwrap()).collect();
    replayer.finish().unwrap();
    if let Some(d) = first_difference(&out, &expected) {
        panic!("{name}: line {}\nexpected: {:?}\nactual:   {:?}", d.index, d.expected, d.actual);
    }
    out
}

#[test]
fn every_vector_replays_to_its_expected_output() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/vectors/phala/");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".jsonl")
            && !stem.ends_with(".expected")
        {
            replay(stem);
            n += 1;
        }
    }
    assert!(n >= 6, "{n} vectors");
}
