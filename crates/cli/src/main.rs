//! The `ergon` command.
fn main() {}
