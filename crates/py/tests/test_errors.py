"""Every error path: the exception class, its stable code and the command's exit code."""

import pytest

import ergon

BAD_FIELD = """[scenario]
name = "bad"
economy = "stratos"
duration = "3d"
runs = 0
"""


def test_the_classes_form_one_tree():
    for cls in (ergon.ScenarioError, ergon.InputError, ergon.InvariantError):
        assert issubclass(cls, ergon.ErgonError)
    assert issubclass(ergon.ErgonError, Exception)


def test_check_reports_problems_with_file_line_and_field(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_FIELD)
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.check(path)
    err = e.value
    assert (err.code, err.exit_code) == ("invalid_scenario", 2)
    [p] = err.problems
    # `runs = 0` is line 5; its value starts at column 8.
    assert (p["file"], p["line"], p["column"]) == (str(path), 5, 8)
    assert p["field"] == "scenario.runs"
    assert p["message"] == "0; must be 1 to 100000"
    assert p["snippet"] == "runs = 0"
    # The command prints the same problem and exits 2.
    o = cli("check", path)
    assert o.returncode == err.exit_code
    assert f"{path}:5:8: scenario.runs: 0; must be 1 to 100000" in o.stderr


def test_a_toml_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "syntax.toml"
    path.write_text('[scenario]\nname = "x"\neconomy = \n')
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.run(path)
    assert e.value.problems[0]["line"] == 3


def test_an_unknown_economy_is_suggested():
    scenario = {"scenario": {"name": "x", "economy": "stratso", "duration": 5}}
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.run(scenario)
    [p] = e.value.problems
    assert p["file"] == "<dict>" and p["field"] == "scenario.economy"
    assert 'did you mean "stratos"?' in p["message"]


def test_a_bad_epochs_is_named_as_the_option():
    # The plan sees it as `--set scenario.duration=…`: named as the call gave it.
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.run("stratos-small", epochs="9x")
    [p] = e.value.problems
    assert p["location"] == 'epochs="9x"', p
    assert "9x" in p["message"] and "--set" not in str(e.value), str(e.value)


def test_a_misspelt_set_path_is_blamed_on_the_set():
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.run("stratos-small", set={"agents.users.cuont": 5})
    [p] = e.value.problems
    assert p["file"] == 'set["agents.users.cuont"]=5'
    assert p["line"] is None
    assert "count" in p["message"]


def test_a_set_of_the_duration_is_named_as_the_set():
    # `epochs` and `set` both become the plan's `scenario.duration`: each is named as given.
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.run("stratos-small", set={"scenario.duration": "9x"})
    assert e.value.problems[0]["location"] == 'set["scenario.duration"]="9x"'
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.run("stratos-small", epochs=5, set={"scenario.runs": 0})
    assert e.value.problems[0]["location"] == 'set["scenario.runs"]=0'
    # An option and a set of its own field: neither silently wins.
    with pytest.raises(ergon.InputError) as e:
        ergon.run("stratos-small", runs=2, set={"scenario.runs": 0})
    assert 'runs=2 and set["scenario.runs"]=0 both set scenario.runs' in str(e.value)
    with pytest.raises(ergon.InputError) as e:
        ergon.run("stratos-small", epochs="5d", set={"scenario.duration": "0d"})
    assert 'epochs="5d" and set["scenario.duration"]="0d"' in str(e.value), str(e.value)


def test_a_set_of_a_grid_path_names_the_grid():
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.sweep("stratos-small", grid={"agents.users.count": [1, 2]},
                    set={"agents.users.count": 3})
    [p] = e.value.problems
    assert p["location"] == 'set["agents.users.count"]=3'
    assert "swept by the grid given: it cannot also be set" in p["message"], p
    assert "--set" not in str(e.value) and "[sweep]" not in str(e.value), str(e.value)


def test_bad_options_are_scenario_problems():
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.run("stratos-small", epochs=0)
    assert e.value.problems[0]["field"] == "scenario.duration"
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.run("stratos-small", epochs="3m")
    assert 'write "3min" for minutes' in e.value.problems[0]["message"]
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.sweep("stratos-small", grid={"agents.users.count": []})
    assert e.value.problems[0]["field"] == 'sweep.values."agents.users.count"'


def test_input_errors():
    cases = [
        (lambda: ergon.run("no-such-scenario"), "bad_input", "cannot read scenario no-such-scenario"),
        (lambda: ergon.run(42), "bad_input", "give a shipped scenario's name"),
        (lambda: ergon.run("stratos-small", threads=0), "bad_input", "threads: 0 is not a whole number from 1 to 65535"),
        (lambda: ergon.run("stratos-small", epochs=1.5), "bad_input", "epochs"),
        (lambda: ergon.run("stratos-small", set={"x.y": None}), "bad_input", "has no TOML value"),
        (lambda: ergon.run("stratos-small", set={"x": 2**70}), "bad_input", "does not fit 64 bits"),
        (lambda: ergon.sweep("stratos-small", epochs=1), "no_sweep", "a sweep needs a grid"),
        (lambda: ergon.sweep("stratos-small", grid={"agents.users.count": 5}), "bad_input", "list"),
        # Whole-number options out of range or of another type: named with the value (Python's
        # own conversion raised an OverflowError naming neither).
        (lambda: ergon.run("stratos-small", runs=-1), "bad_input", "runs: -1 is not a whole number from 1 to 100000"),
        (lambda: ergon.run("stratos-small", runs=0), "bad_input", "runs: 0 is not a whole number from 1 to 100000"),
        (lambda: ergon.run("stratos-small", runs=100_001), "bad_input", "runs: 100001 is not"),
        (lambda: ergon.run("stratos-small", runs=2**40), "bad_input", "runs: 1099511627776 is not"),
        (lambda: ergon.run("stratos-small", runs=True), "bad_input", "runs: True is not"),
        (lambda: ergon.run("stratos-small", seed=2**64), "bad_input", "seed: 18446744073709551616 is not"),
        # As --seed: a scenario's integers, at most 2^63 − 1 (2^63 was a ScenarioError).
        (lambda: ergon.run("stratos-small", seed=2**63), "bad_input", "seed: 9223372036854775808 is not a whole number from 0 to 9223372036854775807"),
        (lambda: ergon.run("stratos-small", seed=-1), "bad_input", "seed: -1 is not"),
        (lambda: ergon.run("stratos-small", threads=-1), "bad_input", "threads: -1 is not"),
        (lambda: ergon.run("stratos-small", threads=2.0), "bad_input", "threads: 2.0 is not"),
        (lambda: ergon.check("stratos-small", runs=-1), "bad_input", "runs: -1 is not"),
    ]
    for call, code, text in cases:
        with pytest.raises(ergon.InputError) as e:
            call()
        assert (e.value.code, e.value.exit_code) == (code, 2), text
        assert text in str(e.value)


def test_a_refused_genesis_is_found_by_check_and_run():
    # Balances drawn from normal(1, 10^9 STOS): the first user's draw alone passes the STOS cap.
    sets = {"agents.users.balance": {"dist": "normal", "mean": 1, "sd": 1000000000}}
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.check("stratos-paper", set=sets)
    assert e.value.code == "genesis_refused"
    assert "cap_exceeded: agents.users.balance" in e.value.problems[0]["message"]
    with pytest.raises(ergon.InputError) as e:
        ergon.run("stratos-paper", epochs=1, set=sets)
    assert e.value.code == "genesis_refused" and e.value.exit_code == 2


def test_replay_refuses_a_full_check_without_checks(repo):
    vector = repo / "tests" / "vectors" / "stratos" / "deposit-return.jsonl"
    with pytest.raises(ergon.InputError) as e:
        ergon.replay(vector, check=False, full_check=True)
    assert e.value.code == "bad_input" and "full_check=True cannot go with check=False" in str(e.value)


def test_replay_errors_name_the_line(cli, repo, tmp_path):
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(ergon.InputError) as e:
        ergon.replay(missing)
    assert "cannot open" in str(e.value)
    bad = tmp_path / "bad.jsonl"
    vector = repo / "tests" / "vectors" / "stratos" / "deposit-return.jsonl"
    genesis = next(l for l in vector.read_text().splitlines() if l.startswith("{"))
    bad.write_text(genesis + '\n{"op":"fly"}\n')
    with pytest.raises(ergon.InputError) as e:
        ergon.replay(bad)
    assert f"{bad}: line 2" in str(e.value)
    assert e.value.exit_code == cli("replay", bad).returncode == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("# nothing\n")
    with pytest.raises(ergon.InputError) as e:
        ergon.replay_state(empty)
    assert "no genesis line" in str(e.value)


def nested(depth, inner=1):
    """`inner` in `depth` lists."""
    for _ in range(depth):
        inner = [inner]
    return inner


def test_a_value_that_contains_itself_or_nests_too_deep_is_refused():
    # Each crashed the interpreter: the conversion's recursion exhausted the stack.
    scenario = {}
    scenario["a"] = scenario
    loop = []
    loop.append(loop)
    deep_dict = {}
    for _ in range(5000):
        deep_dict = {"a": deep_dict}
    cases = [
        (lambda: ergon.run(scenario), "scenario.a: refers to itself"),
        (lambda: ergon.check("stratos-small", set={"agents.users.mix": loop}), 'set["agents.users.mix"]: refers to itself'),
        (lambda: ergon.sweep("stratos-small", grid={"agents.users.count": loop}), 'grid["agents.users.count"]: refers to itself'),
        (lambda: ergon.check("stratos-small", set={"agents.users.mix": nested(5000)}), 'set["agents.users.mix"]: nested deeper than 64 levels'),
        (lambda: ergon.check("stratos-small", grid={"agents.users.count": nested(5000)}), 'grid["agents.users.count"]: nested deeper than 64 levels'),
        (lambda: ergon.check(deep_dict), "nested deeper than 64 levels"),
        # One level past the limit, the argument's own list or dict counted.
        (lambda: ergon.check("stratos-small", set={"scenario.name": nested(65)}), "nested deeper than 64"),
        (lambda: ergon.check({"scenario": nested(64)}), "scenario.scenario: nested deeper than 64"),
    ]
    for call, text in cases:
        with pytest.raises(ergon.InputError) as e:
            call()
        assert (e.value.code, e.value.exit_code) == ("bad_input", 2), text
        assert text in str(e.value), str(e.value)[:300]
    # At the limit the value reaches the scenario's validation, which names the field, the TOML
    # reader's own nesting limit being higher.
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.check("stratos-small", set={"scenario.name": nested(64)})
    assert e.value.problems[0]["field"] == "scenario.name", e.value.problems
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.check({"scenario": nested(63)})
    assert e.value.problems[0]["file"] == "<dict>", e.value.problems
    # The same list or dict twice, neither inside the other, is no loop.
    dist = {"dist": "uniform", "low": 1, "high": 2}
    assert len(ergon.check("stratos-small", grid={"agents.users.balance": [dist, dist]})["points"]) == 2


def test_arguments_of_another_type_are_input_errors(repo):
    np = pytest.importorskip("numpy")
    vector = repo / "tests" / "vectors" / "stratos" / "deposit-return.jsonl"
    # Each raised a bare TypeError, outside the module's exceptions.
    cases = [
        (lambda: ergon.run("stratos-small", set=[("agents.users.count", 5)]), "set: give a dict of dotted paths to values, not a list"),
        (lambda: ergon.check("stratos-small", set="agents.users.count=5"), "set: give a dict of dotted paths to values, not a str"),
        (lambda: ergon.sweep("stratos-small", grid=[("agents.users.count", [5])]), "grid: give a dict of dotted paths to lists of values, not a list"),
        (lambda: ergon.check("stratos-small", grid=5), "grid: give a dict of dotted paths to lists of values, not an int"),
        (lambda: ergon.run("stratos-small", epochs=1, paranoid="yes"), "paranoid: 'yes' is not True or False"),
        (lambda: ergon.sweep("stratos-sweep", epochs=1, paranoid=1), "paranoid: 1 is not True or False"),
        (lambda: ergon.check("stratos-small", genesis="no"), "genesis: 'no' is not True or False"),
        (lambda: ergon.replay(vector, check="no"), "check: 'no' is not True or False"),
        (lambda: ergon.replay_state(vector, full_check=None), "full_check: None is not True or False"),
        (lambda: ergon.replay(5), "path: 5 is not a path"),
        (lambda: ergon.replay_state(None), "path: None is not a path"),
        # epochs: named with its value, as runs, seed and threads are.
        (lambda: ergon.run("stratos-small", epochs=1.5), "epochs: 1.5 is not a number of steps"),
        (lambda: ergon.run("stratos-small", epochs=np.float64(2)), "epochs: np.float64(2.0) is not" if np.__version__ >= "2" else "epochs: 2.0 is not"),
        (lambda: ergon.run("stratos-small", epochs=True), "epochs: True is not a number of steps"),
        (lambda: ergon.run("stratos-small", epochs=-1), "epochs: -1 is not a number of steps"),
        (lambda: ergon.check("stratos-small", epochs=2**64), "epochs: 18446744073709551616 is not"),
        (lambda: ergon.check("stratos-small", epochs=[2]), "epochs: [2] is not a number of steps (a whole number from 0) or text like \"90d\""),
    ]
    for call, text in cases:
        with pytest.raises(ergon.InputError) as e:
            call()
        assert (e.value.code, e.value.exit_code) == ("bad_input", 2), text
        assert text in str(e.value), str(e.value)
    # NumPy's bools are bools.
    assert ergon.check("stratos-small", genesis=np.bool_(False))["runs"] >= 1


def test_a_grid_problem_is_named_as_the_call_gave_it(tmp_path):
    path = tmp_path / "nosweep.toml"
    path.write_text('[scenario]\nname = "n"\neconomy = "stratos"\nduration = "2d"\nseed = 1\n')
    # A value of the grid: named by key and index with the value (it was the file, line None).
    for scenario in (path, "stratos-small", "stratos-sweep"):
        with pytest.raises(ergon.ScenarioError) as e:
            ergon.sweep(scenario, grid={"agents.users.count": [5, "x"]})
        [p] = e.value.problems
        assert (p["file"], p["line"], p["column"]) == ('grid["agents.users.count"][1]="x"', None, None), p
        assert p["location"] == p["file"] and p["snippet"] is None, p
        assert p["field"] == "agents.users.count", p
        assert 'sweep point 1 (agents.users.count = "x")' in p["message"], p
    # Not a number: named by its index.
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.check("stratos-sweep", grid={"economy.params.settle_threshold_bps": [7000, float("nan")]})
    assert e.value.problems[0]["file"] == 'grid["economy.params.settle_threshold_bps"][1]=nan', e.value.problems
    # A key: the grid's key; the whole grid: `grid`.
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.check(path, grid={"agents.users.count": []})
    assert e.value.problems[0]["file"] == 'grid["agents.users.count"]', e.value.problems
    with pytest.raises(ergon.ScenarioError) as e:
        ergon.check("stratos-sweep", grid={})
    assert e.value.problems[0]["file"] == "grid", e.value.problems
    assert "lists no values" in e.value.problems[0]["message"]


def test_a_key_that_cannot_be_swept_is_the_problem_beside_epochs():
    # With epochs= the grid's scenario.duration was blamed on epochs ("cannot also be set"):
    # the problem is that scenario.* is never swept, with or without epochs.
    for options in ({}, {"epochs": 1}, {"set": {"scenario.duration": 2}}):
        with pytest.raises(ergon.ScenarioError) as e:
            ergon.sweep("stratos-small", grid={"scenario.duration": [1, 2]}, **options)
        [p] = e.value.problems
        assert p["file"] == 'grid["scenario.duration"]', p
        assert p["message"] == "only economy.* and agents.* can be swept", p
