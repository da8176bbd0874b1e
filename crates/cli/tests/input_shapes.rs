//! A value of the wrong shape or kind is refused with one message that names its path, the
//! value and where it came from: a list of tables where a table belongs (`[[agents.users]]`),
//! a number past its field's own range, a date-time where a number belongs.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion, helpers included

mod common;

use common::{ergon, text};

/// The errors of `ergon check ARGS`, which must refuse them (exit 2) with one problem.
fn refused(args: &[&str]) -> String {
    let o = ergon(&[&["check"], args].concat());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("(1 problem(s))"), "{err}");
    err
}

/// The errors of `ergon check` of a file holding `toml`.
fn refused_file(toml: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.toml");
    std::fs::write(&path, toml).unwrap();
    refused(&[path.to_str().unwrap()])
}

const HEAD: &str = "[scenario]\nname = \"x\"\neconomy = \"stratos\"\nduration = 1\n";

const LIST: &str = "a table is expected here, not a list";

/// `[[…]]` (a list of tables) where a table belongs is named so, at its line, before the
/// reading takes its first table for the table's first field ("expected a whole number", "unknown
/// variant `values`").
#[test]
fn a_list_of_tables_for_a_table_is_named_in_the_file() {
    let cases = [
        (format!("{HEAD}\n[[agents.users]]\ncount = 10\n"), "s.toml:6:1: agents.users"),
        (
            format!("{HEAD}\n[[sweep]]\nvalues = {{ \"agents.users.count\" = [1, 2] }}\n"),
            "s.toml:6:1: sweep",
        ),
        (format!("{HEAD}\n[[economy]]\nprofile = \"paper\"\n"), "s.toml:6:1: economy"),
        (format!("{HEAD}\n[[agents]]\nexchange = 5\n"), "s.toml:6:1: agents"),
        (format!("{HEAD}\n[[agents.whale]]\nstos = 1\n"), "s.toml:6:1: agents.whale"),
        (
            "[[scenario]]\nname = \"x\"\neconomy = \"stratos\"\nduration = 1\n".to_owned(),
            "s.toml:1:1: scenario",
        ),
    ];
    for (toml, want) in cases {
        let err = refused_file(&toml);
        assert!(err.contains(&format!("{want}: {LIST}")), "{err}");
        assert!(err.contains("`[[…]]` makes a list"), "{err}");
    }
}

/// The same from a `--set` (of the table, or of a table holding it) and from a sweep's value,
/// in each economy; a list of tables where a list of tables belongs (Phala's groups) is read.
#[test]
fn a_list_of_tables_for_a_table_is_named_in_a_set_and_a_sweep() {
    let cases = [
        ("marlin-paper", "agents.relayers=[{count=3}]", "agents.relayers"),
        ("marlin-paper", "agents={relayers=[{count=3}]}", "agents.relayers"),
        ("stratos-small", "economy.params=[{x=1}]", "economy.params"),
        ("phala-khala", "agents.groups[0].score=[{dist=\"uniform\"}]", "agents.groups[0].score"),
        ("trias-paper", "agents.verifiers=[{count=3}]", "agents.verifiers"),
    ];
    for (scenario, set, path) in cases {
        let err = refused(&[scenario, "--set", set]);
        assert!(err.contains(&format!("--set {set}: {path}: {LIST}")), "{err}");
    }
    let o = ergon(&["check", "phala-khala", "--set", "agents.groups=[{workers=3, pools=1}]"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let toml = format!(
        "{HEAD}\n[sweep]\nvalues = {{ \"agents.users\" = [{{ count = 10 }}, [{{ count = 20 }}]] }}\n"
    );
    let err = refused_file(&toml);
    let want = format!(
        "s.toml:7:46: agents.users: sweep point 1 (agents.users = [{{ count = 20 }}]): {LIST}"
    );
    assert!(err.contains(&want), "{err}");
}

/// A whole number its field's type cannot hold is refused with the field's own range (what its
/// validation checks), not the type's ("0 to 4294967295" for runs of 1 to 100000), in each
/// economy, from a `--set`, the file or a sweep point.
#[test]
fn a_whole_number_of_the_wrong_kind_is_refused_with_the_field_s_range() {
    let cases = [
        (
            "stratos-small",
            "scenario.runs=-1",
            "scenario.runs: must be a whole number from 1 to 100000, not -1",
        ),
        ("stratos-small", "scenario.runs=5000000000", "from 1 to 100000, not 5000000000"),
        (
            "stratos-small",
            "agents.users.count=-1",
            "agents.users.count: must be a whole number from 0 to 10000000, not -1",
        ),
        ("stratos-small", "agents.users.count=\"x\"", "from 0 to 10000000, not \"x\""),
        ("stratos-small", "agents.delegators.review_every_days=0.5", "from 1 to 3650, not 0.5"),
        (
            "phala-khala",
            "agents.groups[0].commission_permill=-1",
            "agents.groups[0].commission_permill: must be a whole number from 0 to 1000000, not -1",
        ),
        ("phala-khala", "agents.delegators.count=-2", "from 0 to 100000, not -2"),
        ("marlin-paper", "agents.relayers.commission_percent=-3", "from 0 to 100, not -3"),
        ("trias-paper", "agents.verifiers.count=-3", "from 1 to 1000000, not -3"),
    ];
    for (scenario, set, want) in cases {
        let err = refused(&[scenario, "--set", set]);
        assert!(err.contains(&format!("--set {set}: ")) && err.contains(want), "{err}");
    }
    let err = refused_file(&format!("{HEAD}\n[agents.users]\ncount = -1\n"));
    assert!(
        err.contains(
            "s.toml:7:9: agents.users.count: must be a whole number from 0 to 10000000, not -1"
        ),
        "{err}"
    );
    let err = refused_file(&format!(
        "{HEAD}\n[sweep]\nvalues = {{ \"agents.users.count\" = [10, -1] }}\n"
    ));
    assert!(err.contains("sweep point 1 (agents.users.count = -1): must be a whole number from 0 to 10000000, not -1"), "{err}");
    // A field with no range of its own keeps its type's.
    let err = refused(&["stratos-small", "--set", "scenario.seed=-1"]);
    assert!(err.contains("expected a whole number from 0 to 9223372036854775807"), "{err}");
}

/// A TOML date-time where a number belongs is named so, not as the table TOML's reader makes
/// of it ("invalid type: map").
#[test]
fn a_date_time_for_a_number_is_named_so() {
    let want = "agents.users.count: a date-time is no value of this field: expected a whole number from 0 to 10000000";
    let err = refused_file(&format!("{HEAD}\n[agents.users]\ncount = 1979-05-27\n"));
    assert!(err.contains(&format!("s.toml:7:9: {want}")), "{err}");
    let err = refused(&["stratos-small", "--set", "agents.users.count=1979-05-27"]);
    assert!(err.contains(&format!("--set agents.users.count=1979-05-27: {want}")), "{err}");
    let err = refused(&["stratos-small", "--set", "agents.exchange=1979-05-27T00:00:00Z"]);
    assert!(
        err.contains("agents.exchange: a date-time is no value of this field: expected a number"),
        "{err}"
    );
}

/// A problem with an entry of a list a `--set` or a sweep point gives names that `--set` or
/// the list's place in the sweep, not the file's (valid, unused) value, nor a file without it.
#[test]
fn an_entry_of_a_set_or_swept_list_names_its_origin() {
    let set = "agents.groups[0].tiers=[-1,1,1,0,0]";
    let err = refused(&["phala-khala", "--set", set]);
    assert!(
        err.contains(&format!("--set {set}: agents.groups[0].tiers[0]: must be 0 to 1000000")),
        "{err}"
    );
    assert!(!err.contains("phala-khala.toml"), "{err}");
    let set = "agents.groups[0].tiers=[0.5,nan,0.5,0,0]";
    let err = refused(&["phala-khala", "--set", set]);
    assert!(
        err.contains(&format!("--set {set}: agents.groups[0].tiers[1]: not a number")),
        "{err}"
    );
    // A list where a table belongs is that, before what the list holds.
    let set = "agents.users.mix=[nan,1,1]";
    let err = refused(&["stratos-small", "--set", set]);
    assert!(err.contains(&format!("--set {set}: agents.users.mix: a table is expected")), "{err}");
    let toml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/phala-khala.toml"
    ))
    .unwrap()
        + "\n[sweep]\nvalues = { \"agents.groups[0].tiers\" = [[0.4, 0.2, 0.2, 0.1, 0.1], [-1, 1, 1, 0, 0]] }\n";
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.toml");
    std::fs::write(&path, &toml).unwrap();
    let o = ergon(&["check", path.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let line = toml.lines().count();
    let want = format!("s.toml:{line}:67: agents.groups[0].tiers[0]: sweep point 1 (");
    assert!(err.contains(&want) && err.contains("must be 0 to 1000000, not -1"), "{err}");
    assert!(!err.contains("s.toml:31:"), "{err}");
}

/// Every value of a kind its field does not take is reported in one check, in the file's order
/// (the reader stops at the first it meets, in its own order of the fields): then, once they
/// read, the ranges. A missing field the search would make is no problem of the file's.
#[test]
fn values_of_the_wrong_kind_are_reported_together_in_the_file_s_order() {
    let toml = "[scenario]\nname = \"s\"\neconomy = \"stratos\"\nduration = \"1d\"\n\n\
                [agents.users]\ncount = \"x\"\ngrowth_per_year = \"y\"\n\n\
                [agents.resource_nodes]\ncount = -5\nexits_per_year = 99999\n";
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.toml");
    std::fs::write(&path, toml).unwrap();
    let o = ergon(&["check", path.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("(3 problem(s))"), "{err}");
    let lines: Vec<usize> = [
        "s.toml:7:9: agents.users.count: must be a whole number from 0 to \
                              10000000, not \"x\"",
        "s.toml:8:19: agents.users.growth_per_year: invalid type: string \
                              \"y\", expected a number",
        "s.toml:11:9: agents.resource_nodes.count: must be a whole number \
                              from 1 to 1000000, not -5",
    ]
    .iter()
    .map(|want| err.find(want).unwrap_or_else(|| panic!("{want} in {err}")))
    .collect();
    assert!(lines.is_sorted(), "{err}");
    // The range problem waits for the kinds: it is the only one once they are right.
    let fixed = toml.replace("\"x\"", "3").replace("\"y\"", "0.1").replace("-5", "10");
    std::fs::write(&path, fixed).unwrap();
    let err = refused(&[path.to_str().unwrap()]);
    assert!(err.contains("s.toml:12:18: agents.resource_nodes.exits_per_year"), "{err}");
}

/// Every bad `--runs`, `--seed` or `--threads` is refused with the option's own range (what
/// `--help` and the scenario's check say), never its type's (`0..=4294967295`) or the digits'
/// ("invalid digit found in string", "number too large to fit in target type").
#[test]
fn a_bad_number_option_is_refused_with_its_own_range() {
    let runs = "must be a whole number from 1 to 100000";
    let seed = "must be a whole number from 0 to 9223372036854775807 (2^63 − 1)";
    let threads = "must be a whole number from 1 to 65535";
    let huge = "99999999999999999999";
    let cases = [
        ("--runs", "-1", runs),
        ("--runs", "0", runs),
        ("--runs", "100001", runs),
        ("--runs", huge, runs),
        ("--runs", "1.5", runs),
        ("--seed", "-1", seed),
        ("--seed", "9223372036854775808", seed),
        ("--seed", huge, seed),
        ("--threads", "-1", threads),
        ("--threads", "0", threads),
        ("--threads", "65536", threads),
        ("--threads", huge, threads),
        ("--threads", "x", threads),
    ];
    for (option, value, want) in cases {
        let o = ergon(&["run", "stratos-small", "--epochs", "1", &format!("{option}={value}")]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{option}={value}: {err}");
        let said = format!("invalid value '{value}' for '{option} <");
        assert!(err.contains(&said) && err.contains(want), "{option}={value}: {err}");
    }
}

/// A duration of the wrong kind (a negative number, a fraction, true) says what a duration is:
/// 1 step or more (0 is refused), or a number with a unit.
#[test]
fn a_duration_of_the_wrong_kind_says_what_a_duration_is() {
    let want = "expected a number of steps (a whole number, 1 or more) or a number with a unit: \
                \"90d\", \"2w\", \"10y\", \"12h\", \"30min\", \"60s\"";
    for value in ["-5", "1.5", "true"] {
        let toml = format!("[scenario]\nname = \"x\"\neconomy = \"stratos\"\nduration = {value}\n");
        let err = refused_file(&toml);
        assert!(err.contains("s.toml:4:12: scenario.duration: ") && err.contains(want), "{err}");
    }
    let err = refused(&["stratos-small", "--set", "scenario.record_every=-1"]);
    assert!(err.contains("scenario.record_every: ") && err.contains(want), "{err}");
}
