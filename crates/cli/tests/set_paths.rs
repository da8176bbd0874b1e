//! `--set` paths end to end: a table made bad by a `--set` is blamed on it, a problem in an
//! element of an array of tables names its line, and `--set` names an entry of a list as the
//! diagnostics do.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion, helpers included

mod common;

use common::{ergon, text};

/// The errors of `ergon check` of `toml` written to a file `name`, which must refuse it (exit 2).
fn refused(name: &str, toml: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(name);
    std::fs::write(&path, toml).unwrap();
    check_refused(&[path.to_str().unwrap()])
}

/// The errors of `ergon check ARGS`, which must refuse them (exit 2).
fn check_refused(args: &[&str]) -> String {
    let o = ergon(&[&["check"], args].concat());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    err
}

/// A problem with a table after a `--set` of one of its keys is blamed on the `--set`, not on
/// the table's line in the file.
#[test]
fn a_table_made_bad_by_a_set_names_the_set() {
    let err = check_refused(&["marlin-paper", "--set", "economy.params.alpha=0.5"]);
    assert!(err.contains("--set economy.params.alpha=0.5: economy.params.alpha:"), "{err}");
}

/// A type error inside a table a --set gives names the key inside it, as the file's would.
#[test]
fn a_bad_key_inside_a_set_table_is_named() {
    let err = check_refused(&["stratos-small", "--set", "agents.users={count=\"x\"}"]);
    let want = "--set agents.users={count=\"x\"}: agents.users.count: must be a whole number from 0 \
                to 10000000, not \"x\"";
    assert!(err.contains(want), "{err}");
}

/// A type error inside a swept table names the key inside it, at the table's place in the
/// sweep's list.
#[test]
fn a_bad_key_inside_a_swept_table_is_named() {
    let toml = "[scenario]\nname = \"s\"\neconomy = \"stratos\"\nduration = \"1d\"\n\n\
                [sweep]\nvalues = { \"agents.users\" = [{ count = 3 }, { count = \"x\" }] }\n";
    let err = refused("sweep.toml", toml);
    let want = "sweep.toml:7:45: agents.users.count: sweep point 1 (agents.users = { count = \"x\" \
                }): must be a whole number from 0 to 10000000, not \"x\"";
    assert!(err.contains(want), "{err}");
}

/// A swept value of the wrong type is located at its place in the sweep's list and names its
/// key, as a value a point's check refuses: not at the sweep's table. Inside a list of tables,
/// where the reader names no key, the swept value that alone makes the file unreadable.
#[test]
fn a_swept_value_of_the_wrong_type_is_located_in_the_sweep() {
    let toml = "[scenario]\nname = \"s\"\neconomy = \"stratos\"\nduration = \"1d\"\n\n\
                [sweep.values]\n\"economy.params.settle_threshold_bps\" = [6000, 8000]\n\
                \"agents.users.count\" = [\n  1000,\n  \"many\",\n]\n";
    let err = refused("sweep.toml", toml);
    assert!(err.contains("(2 problem(s))"), "{err}");
    for k in [2, 3] {
        let want = format!("sweep.toml:10:3: agents.users.count: sweep point {k} (");
        assert!(err.contains(&want), "{err}");
    }
    assert!(err.contains("must be a whole number from 0 to 10000000, not \"many\""), "{err}");
    assert!(!err.contains("sweep.values: sweep point"), "{err}");
    let phala = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/phala-paper.toml"
    ))
    .unwrap();
    let toml = format!(
        "{phala}\n[sweep]\nvalues = {{ \"agents.groups[0].tiers\" = [[1, \"x\", 3, 4, 5]], \
         \"agents.groups[0].label\" = [\"a\", 5] }}\n"
    );
    let err = refused("groups.toml", &toml);
    let tiers = "agents.groups[0].tiers: sweep point 0 (agents.groups[0].label = \"a\", \
                 agents.groups[0].tiers = [1, \"x\", 3, 4, 5]): invalid type: string \"x\", expected \
                 a number";
    assert!(err.contains(tiers), "{err}");
    let label = "agents.groups[0].label: sweep point 1 (agents.groups[0].label = 5, \
                 agents.groups[0].tiers = [1, \"x\", 3, 4, 5]): invalid type: integer `5`, expected \
                 a string";
    assert!(err.contains(label), "{err}");
}

/// A swept value a point's check refuses is located at its place in the sweep's list, not at
/// the file's base value it replaced (which is valid).
#[test]
fn a_bad_swept_value_is_located_in_the_sweep() {
    let toml = "[scenario]\nname = \"s\"\neconomy = \"stratos\"\nduration = \"1d\"\n\n\
                [economy]\nprofile = \"paper\"\n\n[agents.users]\ncount = 10\n\n\
                [sweep]\nvalues = { \"agents.users.count\" = [10, 20000000] }\n";
    let err = refused("sweep.toml", toml);
    // Line 13, column 40: the 20000000 in the list.
    assert!(err.contains("sweep.toml:13:40: agents.users.count: sweep point 1"), "{err}");
    assert!(err.contains("must be 0 to 10000000, not 20000000"), "{err}");
    assert!(!err.contains("| count = 10"), "{err}");
}

/// Of two `--set`s of one path, the problem is blamed on the one that holds, the last: the
/// first, a good value, was named.
#[test]
fn a_problem_names_the_last_set_of_its_path() {
    let o =
        ergon(&["check", "stratos-small", "--set", "scenario.runs=2", "--set", "scenario.runs=0"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--set scenario.runs=0: scenario.runs: 0; must be 1 to"), "{err}");
    assert!(!err.contains("scenario.runs=2"), "{err}");
    // An earlier one of a bad type, replaced by a good one, is not read at all.
    let args = [
        "check",
        "stratos-small",
        "--set",
        "agents.users.count=-1",
        "--set",
        "agents.users.count=5",
    ];
    let o = ergon(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// A problem in an element of an array of tables (`[[agents.groups]]`) names the line of the
/// key in that element, not the file alone.
#[test]
fn a_problem_in_an_array_of_tables_names_its_line() {
    let toml = "[scenario]\nname = \"g\"\neconomy = \"phala\"\nduration = \"2d\"\nseed = 1\n\n\
                [[agents.groups]]\nlabel = \"a\"\nworkers = 2\npools = 1\n\n\
                [[agents.groups]]\nlabel = \"b\"\nworkers = 0\npools = 1\n";
    let err = refused("groups.toml", toml);
    assert!(err.contains("groups.toml:14:11: agents.groups[1].workers: must be 1 to"), "{err}");
}

/// `--set` names an entry of a list as the diagnostics do, `key[i]`: a key of an element of an
/// array of tables, or a value of a list; a path past a list's end, into a list without an
/// index or indexing a value is refused by name.
#[test]
fn set_names_entries_of_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = ergon(&[
        "run",
        "phala-paper",
        "--epochs",
        "10e",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "agents.groups[0].workers=40",
        "--set",
        "agents.groups[0].tiers[1]=0.9",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let resolved = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(resolved.contains("workers = 40"), "{resolved}");
    assert!(resolved.contains("tiers = [0.3, 0.9, 0.2, 0.15, 0.15]"), "{resolved}");
    let deep = format!("{}=1", vec!["a"; 20_000].join("."));
    for (set, why) in [
        (
            "agents.groups[1].workers=7",
            "\"groups\" in \"agents.groups[1].workers\" has 1 entry: [1] is none of them",
        ),
        ("agents.groups.workers=7", "is a list: name an entry, groups[0]"),
        (
            "agents.groups[0].workers[0]=7",
            "\"workers\" in \"agents.groups[0].workers[0]\" is not a list",
        ),
        // An entry that is not a number is refused, not read as the bare key.
        ("agents.groups[x].workers=7", "\"groups[x]\" in \"agents.groups[x].workers\" is not"),
        ("agents.groups[0].workers[]=7", "\"workers[]\" in"),
        ("agents.groups[0]x.workers=7", "\"groups[0]x\" in"),
        // A path nested thousands deep (it would build tables too deep to drop).
        (deep.as_str(), "a path of 20000 parts: at most 16"),
    ] {
        let o = ergon(&["check", "phala-paper", "--set", set]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(why), "{set}: {err}");
    }
}

/// Values beyond what a scenario holds are refused by name: a seed above 2^63 − 1 (the option
/// and `--set`), an initial Ozone limit above 10^18 Oz (the run would fail on its metrics) or
/// written with an exponent (an exact decimal has none).
#[test]
fn values_beyond_a_scenario_s_range_are_refused_by_name() {
    let o = ergon(&["check", "stratos-small", "--set", "scenario.seed=100000000000000000000"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("scenario.seed: the integer 100000000000000000000 is beyond"), "{err}");
    let o = ergon(&["run", "stratos-small", "--seed", "9223372036854775808", "--epochs", "1"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--seed") && err.contains("from 0 to 9223372036854775807"), "{err}");
    let o = ergon(&["check", "stratos-small", "--set", "economy.ozone_limit=\"1e29\""]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("economy.ozone_limit: invalid amount \"1e29\""), "{err}");
    let above = "economy.ozone_limit=\"1000000000000000000.000000001\"";
    let o = ergon(&["check", "stratos-small", "--set", above]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let why = "economy.ozone_limit: must be at least 1 noz (0.000000001 Oz) and at most 10^18 Oz, \
               not 1000000000000000000.000000001";
    assert!(err.contains(why), "{err}");
    let o = ergon(&["check", "stratos-small", "--set", "economy.ozone_limit=1000000000000000000"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // A Marlin parameter that does not read names its key.
    let o = ergon(&["check", "marlin-paper", "--set", "economy.params.wait_days=-3"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("economy.params.wait_days: invalid value: integer `-3`"), "{err}");
}

/// A `--set` of a swept path, of a table holding one, or of a key inside one is refused by name:
/// the sweep's values would override it silently while the resolved scenario showed it.
#[test]
fn a_set_of_a_swept_path_is_refused() {
    for set in
        ["economy.params.settle_threshold_bps=6000", "economy.params={}", "agents.users.count=1000"]
    {
        let o = ergon(&["check", "stratos-sweep", "--set", set]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        assert!(err.contains(&format!("--set {set}")), "{err}");
        assert!(err.contains("is swept by the scenario's [sweep]"), "{err}");
    }
    // A constant commission out of [0, 1] is named once.
    let o = ergon(&["check", "stratos-small", "--set", "agents.validators.commission=-0.5"]);
    let err = text(&o.stderr);
    assert!(err.contains("(1 problem(s))") && err.contains("must be in [0, 1]"), "{err}");
    let o = ergon(&["check", "stratos-sweep", "--set", "agents.users.balance=500"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // A sweep of a key that cannot be swept is that problem, with a --set of it or without (it
    // was blamed on the --set, or on --epochs).
    let toml = "[scenario]\nname = \"n\"\neconomy = \"stratos\"\nduration = \"2d\"\nseed = 1\n\n\
                [sweep]\nvalues = { \"scenario.duration\" = [1, 2] }\n";
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("swept.toml");
    std::fs::write(&path, toml).unwrap();
    let (path, out) = (path.to_str().unwrap(), tmp.path().join("out"));
    let out = out.to_str().unwrap();
    let runs = [
        &["check", path][..],
        &["check", path, "--set", "scenario.duration=3"],
        &["run", path, "--epochs", "1", "--out", out, "-q"],
    ];
    for args in runs {
        let o = ergon(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(":8:"), "{err}");
        assert!(err.contains("only economy.* and agents.* can be swept"), "{err}");
        assert!(!err.contains("a --set cannot change it"), "{err}");
    }
    // A swept key that names no place is located at the key in the sweep (no line before).
    let toml = "[scenario]\nname = \"n\"\neconomy = \"stratos\"\nduration = \"2d\"\nseed = 1\n\n\
                [sweep]\nvalues = { \"agents.groups[3].workers\" = [1, 2] }\n";
    let err = refused("groups.toml", toml);
    assert!(err.contains("groups.toml:8:41: agents.groups[3].workers: sweep point 0"), "{err}");
    assert!(err.contains("[3] names nothing"), "{err}");
}

/// A list where the scenario has a table is refused by name (serde would read it field by field,
/// by position: `users = [77]` set the user count, `agents = []` dropped every agent setting);
/// so are two sweep keys one inside the other.
#[test]
fn a_list_for_a_table_and_nested_sweep_keys_are_refused() {
    for (set, path) in [("agents=[]", "agents"), ("agents.users=[77]", "agents.users")] {
        let o = ergon(&["check", "stratos-small", "--set", set]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        assert!(err.contains(&format!("{path}: a table is expected here, not a list")), "{err}");
    }
    let toml = "[scenario]\nname = \"n\"\neconomy = \"stratos\"\nduration = \"2d\"\nseed = 1\n\n\
                [sweep]\nvalues = { \"agents.users\" = [{ count = 10 }], \"agents.users.count\" = [20, 30] }\n";
    let err = refused("nested.toml", toml);
    assert!(err.contains("agents.users.count lies inside agents.users, also swept"), "{err}");
    // A swept list where the scenario has a table.
    let toml = "[scenario]\nname = \"n\"\neconomy = \"stratos\"\nduration = \"2d\"\nseed = 1\n\n\
                [sweep]\nvalues = { \"agents.users\" = [[77], [88]] }\n";
    let err = refused("nested.toml", toml);
    assert!(err.contains("a table is expected here, not a list"), "{err}");
}

/// Settings `check` accepts run: the model leaves out what the economy would refuse (tickets of
/// receivers with no stake); a price of 0 a byte, under which no message would use a deposit,
/// is refused by name.
#[test]
fn accepted_settings_run_without_a_refused_agent_action() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ergon(&["check", "marlin-paper", "--set", "economy.params.stake_per_byte=0"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("stake_per_byte"), "{err}");
    let out = tmp.path().join("deployed");
    let o = ergon(&[
        "run",
        "marlin-deployed",
        "--epochs",
        "10d",
        "--runs",
        "1",
        "--quiet",
        "--set",
        "agents.receivers.balance=0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// A sweep of 10^4 points of the wrong type lists the first 50 problems, each quoting its line
/// around the column, and counts the rest (every point quoted its whole line: a 3.8 MB one
/// took all of the machine's memory).
#[test]
fn a_sweep_of_many_bad_points_lists_fifty_and_counts_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("tiny.toml");
    std::fs::write(&path, "[scenario]\nname = \"tiny\"\neconomy = \"stratos\"\nduration = 2\n")
        .unwrap();
    let values: Vec<String> = (0..10_000).map(|k| format!("{k}.5")).collect();
    let sweep =
        format!("\n[sweep]\nvalues = {{ \"agents.users.count\" = [{}] }}\n", values.join(","));
    let mut scenario = std::fs::read_to_string(&path).unwrap();
    scenario.push_str(&sweep);
    std::fs::write(&path, scenario).unwrap();
    let o = ergon(&["check", path.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the scenario is not valid (the first 50 problems)"), "{}", &err[..300]);
    assert!(err.contains("9950 more problem(s) not shown (10000 in all"), "{err}");
    assert_eq!(err.matches("sweep point").count(), 50);
    assert!(err.len() < 50 * 400, "{} bytes of errors", err.len());
}

/// A float that is not a number (`nan`, `inf`) is refused by name anywhere in a scenario: a
/// Marlin parameter of `nan` read as "not given" (a sweep point of `alpha = nan` ran the
/// profile's default), a Stratos one as `null`.
#[test]
fn nan_and_inf_are_refused_by_name() {
    for (scenario, set, path) in [
        ("marlin-paper", "economy.params.alpha=nan", "economy.params.alpha"),
        ("stratos-paper", "agents.resource_nodes.performance_noise=inf", "performance_noise"),
        ("phala-paper", "agents.groups[0].tiers[1]=-inf", "agents.groups[0].tiers[1]"),
    ] {
        let o = ergon(&["check", scenario, "--set", set]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        assert!(err.contains(&format!("{path}: not a number")), "{err}");
    }
    let toml = "[scenario]\nname = \"n\"\neconomy = \"marlin\"\nduration = \"2d\"\n\n\
                [sweep]\nvalues = { \"economy.params.alpha\" = [\"0.5\", nan, inf] }\n";
    let err = refused("nan-sweep.toml", toml);
    assert!(err.contains("(2 problem(s))"), "{err}");
    for i in [1, 2] {
        let at = format!("sweep.values.\"economy.params.alpha\"[{i}]: not a number");
        assert!(err.contains(&at), "{err}");
    }
}

/// A line break in a string a scenario writes into its CSV outputs (a label, a swept value) is
/// refused by name: the run's own readers (`check-output`, `report`) read a row a line, and
/// called the run damaged. The description may hold them.
#[test]
fn line_breaks_are_refused_by_name_but_in_the_description() {
    let o = ergon(&["check", "phala-paper", "--set", "agents.groups[0].label=\"a\\nb\""]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("agents.groups[0].label: a line break"), "{err}");
    let toml = "[scenario]\nname = \"l\"\neconomy = \"phala\"\nduration = \"2d\"\n\
                description = \"\"\"two\nlines\"\"\"\n\n\
                [sweep]\nvalues = { \"agents.groups[0].label\" = [\"x\", \"a,\\\"b\\r\"] }\n";
    let err = refused("label-sweep.toml", toml);
    assert!(err.contains("(1 problem(s))"), "{err}");
    assert!(err.contains("sweep.values.\"agents.groups[0].label\"[1]: a line break"), "{err}");
}

/// A sweep whose points write other columns (Phala with vaults and without) is refused at the
/// check, naming the points and the columns: the outputs hold one table, and the run failed
/// at the second point's first row, after the first point's runs.
#[test]
fn a_sweep_of_points_with_other_columns_is_refused() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut toml = std::fs::read_to_string(repo.join("scenarios/phala-khala.toml")).unwrap();
    toml.push_str("\n[sweep]\nvalues = { \"agents.vaults.count\" = [2, 0] }\n");
    let err = refused("vault-sweep.toml", &toml);
    assert!(err.contains("sweep point 1 (agents.vaults.count = 0) writes other columns"), "{err}");
    assert!(err.contains("only at point 0: vaults, vault_assets_pha"), "{err}");
    assert!(err.contains("only at point 1: none;"), "{err}");
}

/// An amount parameter past its token's decimals or 128 bits is named by its own path, at its
/// own line or `--set`, once: not at `economy.params`, not at each point of a sweep of another
/// parameter, and not as a value the sweep replaces.
#[test]
fn an_amount_parameter_the_token_cannot_hold_is_named_once_at_its_place() {
    let toml = "[scenario]\nname = \"s\"\neconomy = \"stratos\"\nduration = \"1d\"\n\n\
                [economy.params]\nresource_node_min_deposit = \"1.0000000000000000001\"\n\n\
                [sweep]\nvalues = { \"economy.params.settle_threshold_bps\" = [6000, 8000] }\n";
    let err = refused("params.toml", toml);
    let want = "params.toml:7:29: economy.params.resource_node_min_deposit: amount \
                \"1.0000000000000000001\" has 19 decimals, but STOS has only 18\n";
    assert!(err.contains(want), "{err}");
    assert!(err.contains("(1 problem(s))"), "{err}");
    let big = "99999999999999999999999999999";
    let cases = [
        ("marlin-paper", format!("economy.params.subsidy_per_epoch=\"{big}\""), "invalid amount"),
        ("marlin-sweep", format!("economy.params.subsidy_per_epoch=\"{big}\""), "invalid amount"),
        ("marlin-sweep", "economy.params.quorum=\"0.0000000000000000001\"".into(), "amount"),
        (
            "stratos-sweep",
            "economy.params.resource_node_min_deposit=\"-1\"".into(),
            "invalid amount",
        ),
    ];
    for (scenario, set, why) in cases {
        let err = check_refused(&[scenario, "--set", &set]);
        let path = set.split('=').next().unwrap();
        assert!(err.contains(&format!("--set {set}: {path}: {why}")), "{scenario}: {err}");
        assert!(err.contains("(1 problem(s))"), "{scenario}: {err}");
        assert!(!err.contains("sweep"), "{scenario}: {err}");
    }
}

/// A sweep's shape problems (an empty list, a zip of uneven lists, one key inside another) are
/// located at the key in the sweep's values, named in its quoted form.
#[test]
fn a_sweep_s_shape_problems_are_located_at_their_key() {
    let head = "[scenario]\nname = \"s\"\neconomy = \"stratos\"\nduration = \"1d\"\n\n[sweep]\n";
    for (sweep, want) in [
        (
            "values = { \"agents.users.count\" = [] }",
            "sweep.toml:7:35: sweep.values.\"agents.users.count\": is an empty list",
        ),
        (
            "mode = \"zip\"\nvalues = { \"agents.users.count\" = [1, 2], \"agents.meta_nodes.count\" \
             = [1, 2, 3] }",
            "sweep.toml:8:35: sweep.values.\"agents.users.count\": has 2 values; zip needs as many \
             as every key: agents.meta_nodes.count has 3",
        ),
        (
            "values = { \"agents.users.count\" = [1], \"agents.users\" = [{ count = 1 }] }",
            "sweep.toml:7:35: sweep.values.\"agents.users.count\": agents.users.count lies inside \
             agents.users",
        ),
    ] {
        let err = refused("sweep.toml", &format!("{head}{sweep}\n"));
        assert!(err.contains(want), "{want} in {err}");
    }
}

/// The mining table's amounts are STOS, like every other STOS parameter: one past STOS's 18
/// decimals is named by its path inside the table, at its line or its `--set`; a table's own
/// fault quotes its amounts in STOS.
#[test]
fn the_mining_table_is_read_in_stos_and_its_amounts_named_by_path() {
    let tier = |from: &str, reward: &str| {
        format!("{{ from = \"{from}\", reward = \"{reward}\", split = [6000, 2000, 2000] }}")
    };
    let toml = format!(
        "[scenario]\nname = \"s\"\neconomy = \"stratos\"\nduration = \"1d\"\n\n\
         [economy.params.mining]\nkind = \"table\"\nend = \"39000000\"\n\
         tiers = [\n  {},\n  {},\n]\n",
        tier("0", "80"),
        tier("100", "0.0000000000000000001")
    );
    let err = refused("mining.toml", &toml);
    let want = "mining.toml:11:28: economy.params.mining.tiers[1].reward: amount \
                \"0.0000000000000000001\" has 19 decimals, but STOS has only 18\n";
    assert!(err.contains(want), "{err}");
    let set = |end: &str| {
        format!(
            "economy.params.mining={{kind=\"table\", end={end}, tiers=[{}]}}",
            tier("1.5", "80")
        )
    };
    let err = check_refused(&["stratos-small", "--set", &set("\"1.5\"")]);
    let want = "economy.params.mining: invalid parameter mining.end = 1.5: must be above the last \
                tier's threshold 1.5";
    assert!(err.contains(want), "{err}");
    let err = check_refused(&["stratos-small", "--set", &set("0.5")]);
    let want = "economy.params.mining.end: 0.5 would be read as a binary float";
    assert!(err.contains(want), "{err}");
}
