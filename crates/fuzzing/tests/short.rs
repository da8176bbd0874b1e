//! A short, deterministic run of every fuzz target (seconds, in the test suite): the kept
//! corpus and the inputs of past crashes (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`),
//! then inputs drawn from a fixed seed — shipped scenarios with numbers, lines and ends changed,
//! replay lines from the vectors with bytes changed, decimal strings, operation programs.
//! The coverage-guided runs are `cargo fuzz run <target>` (docs/fuzzing.md).

use std::path::PathBuf;

use ergon_fuzzing::{ECONOMIES, amount, ops, replay_lines, scenario, vectors};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

fn rng(target: &str) -> ChaCha8Rng {
    let seed = target.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    ChaCha8Rng::seed_from_u64(seed)
}

fn below(r: &mut ChaCha8Rng, n: usize) -> usize {
    usize::try_from(r.next_u64() % n as u64).expect("below n")
}

/// Runs `f` on every kept file of `target` (corpus and regressions); returns how many.
fn kept(target: &str, f: impl Fn(&[u8])) -> usize {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else { continue };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            f(&std::fs::read(&p).expect("a kept input reads"));
            n += 1;
        }
    }
    n
}

#[test]
fn amounts() {
    kept("amount", amount);
    let mut r = rng("amount");
    let alphabet = b"0123456789000000.-e x";
    for _ in 0..20_000 {
        let len = below(&mut r, 60);
        let text: Vec<u8> = (0..len).map(|_| alphabet[below(&mut r, alphabet.len())]).collect();
        amount(&text);
    }
    for edge in
        ["340282366920938463463374607431768211455", "3402823669209384634633746074317682114550"]
    {
        amount(edge.as_bytes());
    }
}

#[test]
fn scenarios() {
    kept("scenario", scenario);
    let mut r = rng("scenario");
    let edges =
        ["0", "-1", "1", "1.5", "\"x\"", "9223372036854775808", "1e400", "[]", "{}", "true"];
    for s in ergon_registry::scenarios() {
        scenario(s.text.as_bytes());
        for _ in 0..40 {
            let mut lines: Vec<String> = s.text.lines().map(str::to_owned).collect();
            for _ in 0..1 + below(&mut r, 3) {
                let i = below(&mut r, lines.len());
                match below(&mut r, 4) {
                    // A value changed to an edge value.
                    0 | 1 => {
                        if let Some((key, _)) = lines[i].split_once(" = ") {
                            lines[i] = format!("{key} = {}", edges[below(&mut r, edges.len())]);
                        }
                    }
                    2 => {
                        lines.remove(i);
                    }
                    _ => {
                        let copy = lines[i].clone();
                        lines.insert(i, copy);
                    }
                }
                if lines.is_empty() {
                    break;
                }
            }
            let mut text = lines.join("\n");
            if below(&mut r, 8) == 0 {
                text.truncate(below(&mut r, text.len() + 1));
                while !text.is_char_boundary(text.len()) {
                    text.pop();
                }
            }
            scenario(text.as_bytes());
        }
    }
}

#[test]
fn replay_text() {
    kept("replay_lines", replay_lines);
    let mut r = rng("replay_line");
    let lines: Vec<String> = ECONOMIES
        .iter()
        .flat_map(|e| vectors(e))
        .flat_map(|v| v.ops.iter().map(|o| serde_json::Value::Object(o.clone()).to_string()))
        .collect();
    for _ in 0..300 {
        let mut data = vec![u8::try_from(below(&mut r, 256)).expect("a byte")];
        for _ in 0..below(&mut r, 12) {
            let mut line = lines[below(&mut r, lines.len())].clone().into_bytes();
            for _ in 0..below(&mut r, 3) {
                let at = below(&mut r, line.len());
                line[at] = b"0123456789\"{}[],:x-."[below(&mut r, 20)];
            }
            data.extend_from_slice(&line);
            data.push(b'\n');
        }
        replay_lines(&data);
    }
}

fn programs(economy: &str, count: usize) {
    let target = format!("ops_{economy}");
    kept(&target, |d| ops(economy, d));
    let mut r = rng(&target);
    for _ in 0..count {
        let mut data = vec![0u8; 8 + below(&mut r, 400)];
        r.fill_bytes(&mut data);
        ops(economy, &data);
    }
}

#[test]
fn stratos_ops() {
    programs("stratos", 150);
}

#[test]
fn marlin_ops() {
    programs("marlin", 150);
}

#[test]
fn phala_ops() {
    programs("phala", 150);
}

#[test]
fn trias_ops() {
    programs("trias", 150);
}
