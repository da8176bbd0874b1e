//! The progress bar of a run: the scenario's name, steps (the model's epochs or blocks) done
//! over steps planned (all jobs), with the rate in whole steps a second and the time left.
//! Hidden when standard error is not a terminal or with --quiet.

use std::fmt::Write;
use std::io::IsTerminal;

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A bar over `total` steps of the scenario `name`, each step called `unit` (`"epoch"`,
/// `"block"`): the rate in whole steps a second.
pub(crate) fn bar(total: u64, quiet: bool, name: &str, unit: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(&format!(
        "{{prefix}} {{elapsed_precise}} [{{bar:40}}] {{human_pos}}/{{human_len}} {unit}s, {{rate}} {unit}s/s, ETA {{eta}}"
    ))
    .map(|s| {
        s.progress_chars("=> ").with_key("rate", |state: &ProgressState, w: &mut dyn Write| {
            let _ = write!(w, "{}", HumanCount(state.per_sec().round() as u64));
        })
    })
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(name.to_owned());
    bar
}
