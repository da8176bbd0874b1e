//! [`ops`]: one economy's operations in an order and with values the bytes choose, built from
//! the operation lines of its shipped vectors, replayed with every invariant checked in full
//! after every line; a refused operation must leave the state exactly as it was.

use serde_json::{Map, Number, Value};

use crate::bytes::Bytes;
use crate::vectors::vectors;
use ergon_core::replay::Replayer;

/// The most operation lines one input makes.
pub const OPS_MAX: usize = 200;

/// Decimal strings at the edges: zero, the smallest fraction, past 64 and 128 bits, a sign, a
/// fraction finer than any token, an exponent, nothing.
const EDGE_TEXT: [&str; 12] = [
    "0",
    "1",
    "0.000000000000000001",
    "18446744073709551616",
    "340282366920938463463374607431768211455",
    "340282366920938463463374607431768211456",
    "-1",
    "1.5",
    "0.0000000000000000000000000000000000000001",
    "1e3",
    "",
    "1000000000000",
];

/// Integers at the edges of the widths the operations read.
const EDGE_INT: [u64; 9] = [0, 1, 2, 255, 65_535, 1 << 32, u64::MAX, 1_000_000, 6_000];

/// Replays `data` as a sequence of `economy`'s operations: the first bytes choose a shipped
/// vector's genesis, then each operation (an epoch's end, a short advance, or a vector's
/// operation with its fields kept, dropped or changed) until the bytes run out.
///
/// # Panics
/// On a broken invariant, on a refused operation that changed the state, or on a panic of the
/// engine: each a defect.
pub fn ops(economy: &str, data: &[u8]) {
    let all = vectors(economy);
    let mut b = Bytes::new(data);
    let vector = all[b.below(all.len())];
    let templates: Vec<&Map<String, Value>> = all
        .iter()
        .flat_map(|v| &v.ops)
        .filter(|o| !matches!(o.get("op").and_then(Value::as_str), Some("end_epoch" | "advance")))
        .collect();
    let mut names: Vec<&str> = templates.iter().flat_map(|o| strings(o)).collect();
    names.sort_unstable();
    names.dedup();

    let registry = ergon_registry::replay_registry();
    let mut replayer = Replayer::new(&registry).full_checks(true);
    replayer.feed(1, &vector.genesis).expect("a shipped vector's genesis replays");
    for line in 2..2 + OPS_MAX {
        if b.is_empty() {
            break;
        }
        let text = match b.u8() {
            0..=19 => r#"{"op":"end_epoch"}"#.to_owned(),
            20..=23 => format!(r#"{{"op":"advance","epochs":{}}}"#, 2 + b.u8() % 15),
            _ => {
                let mut op = templates[b.below(templates.len())].clone();
                mutate_fields(&mut op, &mut b, &names);
                Value::Object(op).to_string()
            }
        };
        let before = replayer.economy().map(|e| e.snapshot_value());
        match replayer.feed(line, &text) {
            Ok(Some(out)) if out.contains(r#""ok":false"#) => {
                let after = replayer.economy().map(|e| e.snapshot_value());
                assert!(
                    before == after,
                    "{}: line {line} was refused but changed the state: {text}",
                    vector.name
                );
            }
            Ok(_) => {}
            Err(e) => assert!(!e.is_invariant(), "{}: {e}\nline {line}: {text}", vector.name),
        }
    }
    if let Err(e) = replayer.finish() {
        panic!("{}: {e}", vector.name);
    }
}

/// The string values of an operation's fields (not its `op`), nested ones included.
fn strings(op: &Map<String, Value>) -> Vec<&str> {
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) if !is_decimal(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    op.iter().filter(|(k, _)| k.as_str() != "op").for_each(|(_, v)| walk(v, &mut out));
    out
}

/// True for digits with at most one point: an amount as the replay format writes one.
fn is_decimal(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && s.matches('.').count() <= 1
}

/// Keeps, drops or changes each field of `op` but its `op`, as the bytes say.
fn mutate_fields(op: &mut Map<String, Value>, b: &mut Bytes<'_>, names: &[&str]) {
    let keys: Vec<String> = op.keys().filter(|k| k.as_str() != "op").cloned().collect();
    for key in keys {
        match b.u8() % 16 {
            0..=9 => {}
            10 => {
                op.remove(&key);
            }
            _ => {
                if let Some(v) = op.get_mut(&key) {
                    mutate(v, b, names, 0);
                }
            }
        }
    }
}

/// Changes one value: an amount to an edge amount, an integer to an edge integer, a name to
/// another name, a list or object element by element; sometimes to another type.
fn mutate(v: &mut Value, b: &mut Bytes<'_>, names: &[&str], depth: u8) {
    let pick = b.u8();
    if pick % 8 == 7 {
        *v = [Value::Null, Value::Bool(true), Value::String("x".into()), Value::Array(vec![])]
            [usize::from(pick / 8) % 4]
            .clone();
        return;
    }
    match v {
        Value::String(s) if is_decimal(s) => {
            *s = EDGE_TEXT[usize::from(pick) % EDGE_TEXT.len()].into()
        }
        Value::String(s) if !names.is_empty() => *s = names[b.below(names.len())].to_owned(),
        Value::Number(_) => {
            *v = Value::Number(Number::from(EDGE_INT[usize::from(pick) % EDGE_INT.len()]))
        }
        Value::Bool(x) => *x = !*x,
        Value::Array(a) if depth < 3 => a.iter_mut().for_each(|x| mutate(x, b, names, depth + 1)),
        Value::Object(o) if depth < 3 => {
            o.values_mut().for_each(|x| mutate(x, b, names, depth + 1))
        }
        _ => {}
    }
}
