//! What the CLI's test files share: the built `ergon`, its output as text, and a tiny Stratos
//! scenario. Each test file is a crate of its own and uses a part of them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `ergon ARGS`, run to its end.
pub fn ergon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ergon")).args(args).output().expect("ergon runs")
}

/// Bytes an `ergon` wrote, as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `tiny.toml` in `dir`: Stratos, 2 days of 10-minute epochs (288), a row every 72 epochs, and
/// `runs` runs.
pub fn tiny(dir: &Path, runs: u32) -> PathBuf {
    let path = dir.join("tiny.toml");
    let scenario = format!(
        "[scenario]\nname = \"tiny\"\neconomy = \"stratos\"\nduration = \"2d\"\nseed = 11\n\
         runs = {runs}\nrecord_every = 72\n\n[agents.resource_nodes]\ncount = 30\n\
         [agents.meta_nodes]\ncount = 4\n[agents.validators]\ncount = 3\n\
         [agents.delegators]\ncount = 20\n[agents.users]\ncount = 300\n"
    );
    std::fs::write(&path, scenario).expect("the temporary directory is writable");
    path
}
