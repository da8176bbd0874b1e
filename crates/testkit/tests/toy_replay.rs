//! The replay format exercised with the core and the toy alone: the shipped toy tour replays
//! through [`Replayer`] to exactly its expected output, line by line.

use ergon_core::replay::{Replayer, first_difference};
use ergon_testkit::REPLAY;

#[test]
fn toy_tour_replays_to_its_expected_output() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/toy/");
    let input = std::fs::read_to_string(format!("{dir}tour.jsonl")).unwrap();
    let expected = std::fs::read_to_string(format!("{dir}tour.expected.jsonl")).unwrap();
    let mut replayer = Replayer::new(REPLAY);
    let out: Vec<String> =
        input.lines().enumerate().filter_map(|(i, l)| replayer.feed(i + 1, l).unwrap()).collect();
    replayer.finish().unwrap();
    assert_eq!(out.len(), 19);
    assert_eq!(first_difference(&out, &expected), None);
    // Spot-check figures worked out by hand (docs/replay.md): the first epoch's 10 TOY split
    // 250 : 100 by voting power, floor → 7.142857 and 2.857142, 0.000001 to dust.
    assert!(out[9].contains(r#""validator":"alice","amount":"7.142857""#), "{}", out[9]);
    assert!(out[9].contains(r#""validator":"bob","amount":"2.857142""#), "{}", out[9]);
    let state: serde_json::Value = serde_json::from_str(&out[18]).unwrap();
    assert_eq!(state["state"]["pools"]["dust"], "0.000003");
    assert_eq!(state["state"]["token"]["minted"], "1532.5");
}
