//! A scenario's durations: a number of steps, or text with a unit (`"90d"`), converted to
//! steps through the model's step length.

use ergon_core::model::SECONDS_PER_DAY;
use serde::{Deserialize, Serialize};

use super::EPOCHS_MAX;

/// A duration: a number of steps (the economy's epochs or blocks), or text with a unit: `e`
/// steps, `s` seconds, `min` minutes, `h` hours, `d` days, `w` weeks, `y` years of 365 days.
/// Units of time convert through the model's step length ([`Model::STEP_SECONDS`]) and must
/// come to a whole number of steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Duration {
    /// Steps.
    Epochs(u64),
    /// `"90d"`, `"10y"`, `"12h"`, …
    Text(String),
}

/// Read as the enum's untagged form would be, with an error that says what a duration is (a
/// negative number, a float or a table is neither form).
impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // What a duration of a scenario may be: 0 steps is none (durations and row
                // intervals are at least 1).
                f.write_str(
                    "a number of steps (a whole number, 1 or more) or a number with a unit: \
                     \"90d\", \"2w\", \"10y\", \"12h\", \"30min\", \"60s\"",
                )
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Duration, E> {
                Ok(Duration::Epochs(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Duration, E> {
                u64::try_from(n)
                    .map(Duration::Epochs)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Duration, E> {
                Ok(Duration::Text(s.to_owned()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Duration::Epochs(n) => write!(f, "{n}"),
            Duration::Text(t) => write!(f, "{t:?}"),
        }
    }
}

impl Duration {
    /// The duration in steps of `step_seconds` seconds, each called `step_name` in errors
    /// (`"epoch"`, `"block"`). An error names the value and says what to write instead.
    pub fn steps(&self, step_seconds: u64, step_name: &str) -> Result<u64, String> {
        let text = match self {
            Duration::Epochs(n) => return Ok(*n),
            Duration::Text(t) => t.trim(),
        };
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let n: u64 = digits.parse().map_err(|_| {
            // Digits past 2^64 − 1: a number, too large for any run.
            if !digits.is_empty() {
                return format!(
                    "{text:?} is more {step_name}s than a run can have (1 to {EPOCHS_MAX})"
                );
            }
            format!(
                "{text:?} is not a duration: write {step_name}s as a number (52560) or a number \
                 with a unit: \"90d\", \"2w\", \"10y\", \"12h\", \"30min\", \"60s\""
            )
        })?;
        let seconds = match unit.trim() {
            "" | "e" => return Ok(n),
            "s" => 1,
            "min" => 60,
            "h" => 3_600,
            "d" => SECONDS_PER_DAY,
            "w" => 7 * SECONDS_PER_DAY,
            "y" => 365 * SECONDS_PER_DAY,
            "m" => {
                return Err(format!(
                    "unknown unit \"m\" in {text:?}: write \"{n}min\" for minutes, or days \
                     (\"{}d\") for months",
                    n.saturating_mul(30)
                ));
            }
            u => {
                return Err(format!(
                    "unknown unit {u:?} in {text:?}: use e ({step_name}s), s, min, h, d, w or y"
                ));
            }
        };
        let total = n.checked_mul(seconds).ok_or_else(|| format!("{text:?} is too long"))?;
        if step_seconds == 0 || !total.is_multiple_of(step_seconds) {
            return Err(format!(
                "{text:?} is not a whole number of {step_name}s of {step_seconds} s"
            ));
        }
        Ok(total / step_seconds)
    }

    /// The duration in epochs, with `epochs_per_day` epochs a day (a divisor of 86,400).
    pub fn epochs(&self, epochs_per_day: u64) -> Result<u64, String> {
        if epochs_per_day == 0 || !SECONDS_PER_DAY.is_multiple_of(epochs_per_day) {
            return Err(format!("{epochs_per_day} epochs a day do not divide a day"));
        }
        self.steps(SECONDS_PER_DAY / epochs_per_day, "epoch")
    }
}
