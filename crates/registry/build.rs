//! Records the git commit the build comes from, for `ergon --version` and the metrics files'
//! metadata ([`VERSION`] of the crate).
use std::process::Command;

fn main() {
    let commit = std::env::var("ERGON_GIT_COMMIT")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| !o.stdout.is_empty());
    let commit = match commit {
        Some(c) if dirty => format!("{c}-modified"),
        Some(c) => c,
        None => "unknown".to_owned(),
    };
    println!("cargo:rustc-env=ERGON_GIT_COMMIT={commit}");
    println!("cargo:rerun-if-env-changed=ERGON_GIT_COMMIT");
    // Rebuilt when the checkout moves: its HEAD, index and current branch's ref, wherever git
    // keeps them (in a linked worktree `.git` is a file and they live elsewhere).
    let mut files = vec!["HEAD".to_owned(), "index".to_owned()];
    files.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for file in files {
        if let Some(path) = git(&["rev-parse", "--git-path", &file])
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// The trimmed output of `git args`, when git runs and succeeds.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}
