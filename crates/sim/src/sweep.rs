//! The `[sweep]` section of a scenario and its expansion into points: every combination of the
//! listed values (grid), or the i-th value of every key together (zip) (docs/scenarios.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Value;

/// Most sweep points.
pub const POINTS_MAX: usize = 10_000;

/// How sweep values combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepMode {
    /// Every combination (the cartesian product; the first key varies slowest).
    #[default]
    Grid,
    /// The i-th value of every key together (all lists of one length).
    Zip,
}

/// The `[sweep]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// Grid or zip.
    #[serde(default)]
    pub mode: SweepMode,
    /// Values by dotted path into the scenario (`economy.params.x`, `agents.users.count`).
    pub values: BTreeMap<String, Vec<Value>>,
}

/// The swept values of one point, by dotted path.
pub(crate) type Combo = Vec<(String, Value)>;

/// Whether `key` may be swept: `economy.*` and `agents.*`, not `scenario.*` or `sweep*`.
pub(crate) fn sweepable(key: &str) -> bool {
    !(key.starts_with("scenario.") || key.starts_with("sweep"))
}

/// The sweep's points; an error names the bad key.
pub(crate) fn combinations(s: &Sweep) -> Result<Vec<Combo>, (String, String)> {
    if s.values.is_empty() {
        return Err(("sweep.values".into(), "lists no values".into()));
    }
    // A key inside another swept key: one would override the other at every point while the
    // sweep's columns showed both.
    for outer in s.values.keys() {
        let prefix = format!("{outer}.");
        if let Some(inner) = s.values.keys().find(|k| k.starts_with(&prefix)) {
            return Err((
                format!("sweep.values.\"{inner}\""),
                format!("{inner} lies inside {outer}, also swept: sweep one or the other"),
            ));
        }
    }
    for (k, v) in &s.values {
        if v.is_empty() {
            return Err((format!("sweep.values.\"{k}\""), "is an empty list".into()));
        }
        if !sweepable(k) {
            return Err((
                format!("sweep.values.\"{k}\""),
                "only economy.* and agents.* can be swept".into(),
            ));
        }
    }
    match s.mode {
        SweepMode::Zip => {
            let (first, n) = s.values.iter().next().map_or(("", 0), |(k, v)| (k.as_str(), v.len()));
            if let Some((k, v)) = s.values.iter().find(|(_, v)| v.len() != n) {
                return Err((
                    format!("sweep.values.\"{k}\""),
                    format!(
                        "has {} values; zip needs as many as every key: {first} has {n}",
                        v.len()
                    ),
                ));
            }
            Ok((0..n)
                .map(|i| s.values.iter().map(|(k, v)| (k.clone(), v[i].clone())).collect())
                .collect())
        }
        SweepMode::Grid => {
            let total = s.values.values().try_fold(1usize, |acc, v| acc.checked_mul(v.len()));
            match total {
                Some(t) if t <= POINTS_MAX => {}
                _ => {
                    return Err((
                        "sweep.values".into(),
                        format!("the grid has more than {POINTS_MAX} points"),
                    ));
                }
            }
            let mut out: Vec<Combo> = vec![Vec::new()];
            for (k, vs) in &s.values {
                out = out
                    .into_iter()
                    .flat_map(|c| {
                        vs.iter().map(move |v| {
                            let mut c = c.clone();
                            c.push((k.clone(), v.clone()));
                            c
                        })
                    })
                    .collect();
            }
            Ok(out)
        }
    }
}

/// The swept values of a point as text: `path = value, …`.
pub(crate) fn describe(combo: &[(String, Value)]) -> String {
    combo.iter().map(|(p, v)| format!("{p} = {v}")).collect::<Vec<_>>().join(", ")
}
