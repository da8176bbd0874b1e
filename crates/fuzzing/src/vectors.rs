//! The shipped replay vectors (`tests/vectors/<economy>/*.jsonl`), read once: each one's genesis
//! line and its operation lines, the raw material of [`crate::replay_lines`] and [`crate::ops`].

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The economies whose vectors the targets use.
pub const ECONOMIES: [&str; 4] = ["stratos", "marlin", "phala", "trias"];

/// One shipped vector.
#[derive(Debug)]
pub struct Vector {
    /// `economy/file.jsonl`.
    pub name: String,
    /// The economy it replays.
    pub economy: &'static str,
    /// Its genesis line, as written.
    pub genesis: String,
    /// Its other lines that are operations (comments and blank lines left out), parsed.
    pub ops: Vec<Map<String, Value>>,
}

/// Every shipped vector of every economy in [`ECONOMIES`], in economy then file-name order.
pub(crate) fn all() -> &'static [Vector] {
    static ALL: OnceLock<Vec<Vector>> = OnceLock::new();
    ALL.get_or_init(|| ECONOMIES.iter().flat_map(|e| read(e)).collect())
}

/// The shipped vectors of `economy`.
///
/// # Panics
/// When `economy` has none (not one of [`ECONOMIES`]).
#[must_use]
pub fn vectors(economy: &str) -> Vec<&'static Vector> {
    let found: Vec<_> = all().iter().filter(|v| v.economy == economy).collect();
    assert!(!found.is_empty(), "no shipped vectors for economy {economy:?}");
    found
}

fn read(economy: &'static str) -> Vec<Vector> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors").join(economy);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".jsonl") && !name.ends_with(".expected.jsonl")
        })
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let mut genesis = None;
            let mut ops = Vec::new();
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(line) else { continue };
                match obj.get("op").and_then(Value::as_str) {
                    Some("genesis") if genesis.is_none() => genesis = Some(line.to_owned()),
                    Some("genesis") => {}
                    Some(_) => ops.push(obj),
                    None => {}
                }
            }
            let file = path.file_name()?.to_str()?;
            Some(Vector { name: format!("{economy}/{file}"), economy, genesis: genesis?, ops })
        })
        .collect()
}
