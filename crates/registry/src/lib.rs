//! # ergon-registry — the economies of this build
//!
//! One table, [`ECONOMIES`], used by every command (`run`, `sweep`, `check`, `replay`,
//! `scenarios`) and by the Python bindings. Each economy is one [`Entry`]: its name, a line
//! about it, its replay constructor, its simulation model behind the type-erased
//! [`Simulation`], and its shipped scenarios (`scenarios/*.toml`, embedded). An economy is
//! listed only when every command works with it.
//!
//! Adding an economy: its crate (implementing [`ergon_core::Economy`] and
//! [`ergon_core::Model`]), one [`economy!`] line in [`ECONOMIES`], its dependency in this
//! crate's `Cargo.toml`, its scenarios in `scenarios/`, and its docs.

pub mod input;
pub mod replay;
mod simulation;

/// The version of this build: the crate version and the git commit it was built from
/// (`ergon --version`, and `ergon.version` in every metrics file's metadata).
pub const VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("ERGON_GIT_COMMIT"), ")");

use ergon_core::economy::Constructor;
use ergon_sim::{Diagnostic, Diagnostics, Source};

pub use simulation::{PlanFn, PlanInfo, Simulation, plan};

/// The core, for [`economy!`] to name its paths from any crate.
#[doc(hidden)]
pub use ergon_core as __core;

/// One economy of the build.
#[derive(Debug)]
pub struct Entry {
    /// The name in genesis lines and scenario files (`economy = "stratos"`).
    pub name: &'static str,
    /// One line about it.
    pub about: &'static str,
    /// Builds it from a replay file's genesis line.
    pub replay: Constructor,
    /// Validates a scenario of its model into a runnable [`Simulation`].
    pub plan: PlanFn,
    /// What one step of its model is called ("epoch", "block").
    pub step_name: &'static str,
    /// Its shipped scenarios; the first economy's first is the default of `ergon run`.
    pub scenarios: &'static [Scenario],
}

/// A shipped scenario: its name (`ergon run NAME`) and its TOML text.
#[derive(Debug)]
pub struct Scenario {
    /// The name: the file's stem in `scenarios/`.
    pub name: &'static str,
    /// The scenario file.
    pub text: &'static str,
}

impl Scenario {
    /// The scenario's `description = "…"` line, unquoted (empty without one).
    #[must_use]
    pub fn about(&self) -> &'static str {
        self.text
            .lines()
            .find_map(|l| l.trim().strip_prefix("description = "))
            .unwrap_or("\"\"")
            .trim_matches('"')
    }
}

/// One [`Entry`]: `economy!(Economy type, Model type, "about", ["scenario", …])`. The name is
/// the economy's [`ergon_core::Economy::NAME`]; each scenario is `scenarios/NAME.toml`.
#[macro_export]
macro_rules! economy {
    ($economy:ty, $model:ty, $about:literal, [$($scenario:literal),* $(,)?]) => {
        $crate::Entry {
            name: <$economy as $crate::__core::Economy>::NAME,
            about: $about,
            replay: $crate::__core::economy::constructor::<$economy>,
            plan: $crate::plan::<$model>,
            step_name: <$model as $crate::__core::model::Model>::STEP_NAME,
            scenarios: &[$($crate::Scenario {
                name: $scenario,
                text: include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"), "/../../scenarios/", $scenario, ".toml"
                )),
            }),*],
        }
    };
}

/// Every economy of this build.
pub static ECONOMIES: &[Entry] = &[
    economy!(
        ergon_stratos::Stratos,
        ergon_stratos::StratosModel,
        "Stratos (Troposphere): Ozone constant product, Proof-of-Traffic, mining tiers, deposits, hybrid DPoS",
        [
            "stratos-paper",
            "stratos-mainnet",
            "stratos-small",
            "stratos-sweep",
            "stratos-whale",
            "stratos-exodus",
            "stratos-schedule"
        ]
    ),
    economy!(
        ergon_marlin::Marlin,
        ergon_marlin::model::MarlinModel,
        "Marlin: POND and MPOND, the bridge, tickets, Cobb-Douglas staking rewards, spam deposits",
        ["marlin-paper", "marlin-bridge", "marlin-sweep", "marlin-deployed"]
    ),
    economy!(
        ergon_phala::Phala,
        ergon_phala::PhalaModel,
        "Phala (Khala): workers with V and P, shares, heartbeats, halving budget, stake pools and delegators",
        ["phala-khala", "phala-paper", "phala-small-vs-big"]
    ),
    economy!(
        ergon_trias::Trias,
        ergon_trias::TriasModel,
        "Trias (Leviatom): attestations, EigenTrust and the conspiracy-breaching cost, the reward gate, verification and routing as mining",
        ["trias-paper", "trias-sybil", "trias-exploit"]
    ),
];

/// The economy named `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Entry> {
    ECONOMIES.iter().find(|e| e.name == name)
}

/// The names of the economies, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    ECONOMIES.iter().map(|e| e.name)
}

/// Economies that replay but have no simulation model yet: `ergon replay` takes their files;
/// `run`, `sweep` and `scenarios` do not list them. Each moves to [`ECONOMIES`] with its model.
pub static REPLAY_ONLY: &[(&str, Constructor)] = &[];

/// The name → constructor table of [`ergon_core::replay::Replayer`]: every economy of
/// [`ECONOMIES`], then those of [`REPLAY_ONLY`].
#[must_use]
pub fn replay_registry() -> Vec<(&'static str, Constructor)> {
    ECONOMIES.iter().map(|e| (e.name, e.replay)).chain(REPLAY_ONLY.iter().copied()).collect()
}

/// Every shipped scenario, economy by economy.
pub fn scenarios() -> impl Iterator<Item = &'static Scenario> {
    ECONOMIES.iter().flat_map(|e| e.scenarios)
}

/// The shipped scenario named `name`.
#[must_use]
pub fn scenario(name: &str) -> Option<&'static Scenario> {
    scenarios().find(|s| s.name == name)
}

/// The default scenario of `ergon run`: the first economy's first.
#[must_use]
pub fn default_scenario() -> &'static Scenario {
    scenarios().next().expect("the first economy ships at least one scenario (tested)")
}

/// Why a scenario names no economy of this build.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The scenario's `[scenario]` section does not say which economy.
    #[error("{0}")]
    Scenario(Diagnostics),
    /// The scenario names an economy this build does not have (shown as
    /// [`RegistryError::unknown_economy`]).
    #[error("{}", RegistryError::unknown_economy(.file, .name, .known, .hint))]
    UnknownEconomy {
        /// Where the scenario names it: `file:line:column`.
        file: String,
        /// The name it gives.
        name: String,
        /// The economies of this build, comma-separated.
        known: String,
        /// `; did you mean "…"?` for a near miss, else empty.
        hint: String,
    },
}

impl RegistryError {
    /// The problem of [`RegistryError::UnknownEconomy`], as a scenario's problems are shown
    /// (a long name cut).
    #[must_use]
    pub fn unknown_economy(file: &str, name: &str, known: &str, hint: &str) -> Diagnostic {
        Diagnostic {
            location: file.to_owned(),
            field: Some("scenario.economy".to_owned()),
            message: format!("unknown economy {name:?} (this build has: {known}){hint}"),
            snippet: None,
        }
    }
}

/// The economy of scenario `source`.
pub fn for_scenario(source: Source<'_>) -> Result<&'static Entry, RegistryError> {
    let (name, at) = ergon_sim::scenario::economy_of(source).map_err(RegistryError::Scenario)?;
    find(&name).ok_or_else(|| {
        let hint = ergon_sim::diag::nearest(&name, names())
            .map(|k| format!("; did you mean {k:?}?"))
            .unwrap_or_default();
        let known = names().collect::<Vec<_>>().join(", ");
        RegistryError::UnknownEconomy { file: at, name, known, hint }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_scenario_plans_under_its_economy() {
        assert!(!ECONOMIES.is_empty() && !ECONOMIES[0].scenarios.is_empty());
        for entry in ECONOMIES {
            for s in entry.scenarios {
                let source = Source { name: s.name, text: s.text };
                let found = for_scenario(source).expect("a known economy");
                assert_eq!(found.name, entry.name, "{}", s.name);
                let sim = (entry.plan)(source, &[], None).expect("a valid scenario");
                assert_eq!(sim.info().economy, entry.name, "the model's name is the economy's");
                assert!(!s.about().is_empty(), "{} has a description", s.name);
            }
        }
        assert_eq!(default_scenario().name, "stratos-paper");
    }

    #[test]
    fn unknown_economies_are_named_with_a_suggestion() {
        let text = "[scenario]\nname = \"x\"\neconomy = \"stratso\"\nduration = 1\n";
        let err = for_scenario(Source { name: "x.toml", text }).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "x.toml:3:11: scenario.economy: unknown economy \"stratso\" (this build has: stratos, marlin, phala, trias); did you mean \"stratos\"?"
        );
    }
}
