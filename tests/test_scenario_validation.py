"""Bad scenario input fails with one clear message per problem: file, key path, value, what is allowed.

All files live in ``tmp_path``; nothing here runs the model, so the whole module takes well under
a second. Also: the schema's declarations (roles, labels, plausible ranges) and dotted paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from samples import SMALL, write
from stadtteil_sim.config import paths
from stadtteil_sim.config.errors import ScenarioError
from stadtteil_sim.config.loading import load_scenario, parse_override
from stadtteil_sim.config.schema import (
    INPUT,
    ROLES,
    Community,
    Scenario,
    bounds,
    declaration,
    declared,
    iter_parameters,
    json_schema,
    role_of,
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Messages name files relative to the working directory: work in tmp_path."""
    monkeypatch.chdir(tmp_path)




def error_of(source, overrides=None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, overrides)
    return str(info.value)


def test_the_small_district_is_valid(tmp_path):
    scenario = load_scenario(write(tmp_path / "small.yaml", SMALL))
    assert [c.name for c in scenario.district.communities] == ["A", "B", "C"]


# --------------------------------------------------------------------------- one bad value each
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "office:\n  handover_mont: 12\n",
            ["office.handover_mont", "unknown key", "did you mean 'handover_month'?", "allowed keys:", "start_month"],
            id="unknown-key-suggestion",
        ),
        pytest.param("ofice:\n  handover_month: 12\n", ["ofice", "did you mean 'office'?"], id="unknown-section"),
        pytest.param(
            'office:\n  handover_month: "soon"\n',
            ["office.handover_month = 'soon'", "valid integer", "allowed: int in [0, 600]"],
            id="wrong-type",
        ),
        pytest.param(
            'office:\n  enabled: "yes"\n', ["office.enabled = 'yes'", "allowed: true | false"], id="bool-as-string"
        ),
        pytest.param("office:\n  enabled: 1\n", ["office.enabled = 1", "allowed: true | false"], id="int-as-bool"),
        pytest.param(
            "office:\n  handover_month: 24.5\n", ["office.handover_month = 24.5", "int in [0, 600]"], id="float-as-int"
        ),
        pytest.param(
            "district:\n  foreign_share: .nan\n",
            ["district.foreign_share = NaN", "finite number", "allowed: float in [0, 1]"],
            id="nan",
        ),
        pytest.param(
            "behaviour:\n  dependency:\n    strength: .inf\n",
            ["behaviour.dependency.strength = inf", "finite number", "float in [0, 1]"],
            id="inf-nested",
        ),
        pytest.param(
            "district:\n  foreign_share: 1.5\n",
            ["district.foreign_share = 1.5", "less than or equal to 1", "allowed: float in [0, 1]"],
            id="out-of-range",
        ),
        pytest.param(
            "office:\n  handover_rule: sometimes\n",
            ["office.handover_rule = 'sometimes'", "allowed: fixed | stable"],
            id="unknown-choice",
        ),
        pytest.param(
            "office: 3\n", ["office = 3", "allowed: a mapping with keys", "handover_month"], id="scalar-for-section"
        ),
    ],
)
def test_bad_value_names_file_path_value_and_what_is_allowed(tmp_path, text, expected):
    message = error_of(write(tmp_path / "bad.yaml", text))
    assert message.startswith("bad.yaml: ")
    for part in expected:
        assert part in message, (part, message)


def test_unknown_key_in_a_community_names_the_community(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL.replace("size: 50,", "sise: 50,")))
    assert "district.communities[1](B).sise: unknown key (did you mean 'size'?)" in message


def test_every_problem_is_reported_on_its_own_line(tmp_path):
    path = write(tmp_path / "bad.yaml", "office:\n  handover_mont: 12\n  handover_rule: sometimes\n")
    lines = error_of(path).splitlines()
    assert len(lines) == 2
    assert all("bad.yaml" in line for line in lines)


def test_a_valid_key_with_a_valid_value_passes(tmp_path):
    scenario = load_scenario(write(tmp_path / "ok.yaml", "office:\n  handover_month: 24\n  enabled: false\n"))
    assert scenario.office.handover_month == 24 and scenario.office.enabled is False


# --------------------------------------------------------------------------- file-level problems
def test_broken_yaml_gives_the_line(tmp_path):
    path = write(tmp_path / "broken.yaml", "name: x\noffice:\n  handover_month: [1, 2\nrun: {}\n")
    message = error_of(path)
    assert "broken.yaml" in message and "not valid YAML at line 4" in message


def test_top_level_must_be_a_mapping(tmp_path):
    message = error_of(write(tmp_path / "list.yaml", "- office\n- district\n"))
    assert "list.yaml" in message and "top level is a list" in message and "allowed: a mapping" in message


def test_empty_file_is_an_error_and_explicit_empty_mapping_gives_defaults(tmp_path):
    # Decision: an empty (or comment-only) file is almost always a mistake, so it is an error;
    # `{}` asks for the built-in defaults on purpose.
    for name, text in (("empty.yaml", ""), ("comments.yaml", "# nothing yet\n\n")):
        message = error_of(write(tmp_path / name, text))
        assert name in message and "empty" in message and "'{}'" in message
    assert load_scenario(write(tmp_path / "braces.yaml", "{}\n")) == Scenario()


def test_missing_scenario_file(tmp_path):
    message = error_of(tmp_path / "nope.yaml")
    assert "nope.yaml" in message and "file not found" in message


def test_repeated_key_is_an_error_not_silently_dropped(tmp_path):
    path = write(tmp_path / "dup.yaml", "office:\n  handover_month: 12\noffice:\n  link_month: 3\n")
    message = error_of(path)
    assert "dup.yaml" in message and "'office' is given twice (first at line 1)" in message and "line 3" in message


def test_non_name_key_is_an_error(tmp_path):
    message = error_of(write(tmp_path / "k.yaml", "office:\n  1: 2\n"))
    assert "k.yaml" in message and "key 1 is not a name" in message


@pytest.mark.parametrize(
    "template",
    ['!!python/object/apply:os.system ["touch {target}"]\n', 'name: !!python/object/apply:os.system ["touch {target}"]\n'],
    ids=["top-level", "as-value"],
)
def test_yaml_python_tags_never_execute(tmp_path, template):
    target = tmp_path / "pwned"
    path = write(tmp_path / "evil.yaml", template.format(target=target))
    message = error_of(path)
    assert "evil.yaml" in message and "python/object/apply" in message
    assert not target.exists()


# --------------------------------------------------------------------------- includes
def test_bad_key_in_a_nested_include_names_that_file(tmp_path):
    write(tmp_path / "sub" / "c.yaml", "behaviour:\n  dependency:\n    strenght: 0.3\n")
    write(tmp_path / "sub" / "b.yaml", "include: c.yaml\noffice:\n  link_month: 3\n")  # relative to sub/
    top = write(tmp_path / "a.yaml", "include: sub/b.yaml\nname: a\n")
    message = error_of(top)
    assert "sub/c.yaml: behaviour.dependency.strenght: unknown key (did you mean 'strength'?)" in message
    assert "a.yaml" not in message and "b.yaml" not in message


def test_bad_value_in_include_names_include_and_top_file_overrides_it(tmp_path):
    write(tmp_path / "shared.yaml", "office:\n  handover_month: 900\n  link_month: 4\n")
    bad = write(tmp_path / "bad.yaml", "include: shared.yaml\n")
    assert error_of(bad).startswith("shared.yaml: office.handover_month = 900: ")
    # The including file is merged on top: its value replaces the included one, the rest stays.
    fixed = load_scenario(write(tmp_path / "fixed.yaml", "include: shared.yaml\noffice:\n  handover_month: 30\n"))
    assert (fixed.office.handover_month, fixed.office.link_month) == (30, 4)


def test_combination_error_across_files_names_both(tmp_path):
    write(tmp_path / "timing.yaml", "office:\n  handover_month: 12\n")
    top = write(tmp_path / "top.yaml", "include: timing.yaml\noffice:\n  start_month: 24\n")
    message = error_of(top)
    assert "timing.yaml" in message and "top.yaml" in message and "before start_month=24" in message


def test_missing_include(tmp_path):
    message = error_of(write(tmp_path / "a.yaml", "include: shared/nothere.yaml\n"))
    assert message.startswith("a.yaml: include = 'shared/nothere.yaml': file not found")


def test_include_cycle(tmp_path):
    write(tmp_path / "b.yaml", "include: a.yaml\n")
    message = error_of(write(tmp_path / "a.yaml", "include: b.yaml\n"))
    assert "include cycle: a.yaml -> b.yaml -> a.yaml" in message


def test_include_must_be_paths(tmp_path):
    message = error_of(write(tmp_path / "a.yaml", "include: {file: b.yaml}\n"))
    assert message.startswith("a.yaml: include = ") and "file path" in message


# --------------------------------------------------------------------------- impossible combinations
def test_handover_before_the_office_starts(tmp_path):
    message = error_of(write(tmp_path / "t.yaml", "office:\n  start_month: 24\n  handover_month: 12\n"))
    assert "t.yaml" in message and "office" in message
    assert "handover_month=12" in message and "start_month=24" in message


def test_communities_larger_than_the_population(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL.replace("population: 1000", "population: 250")))
    assert message.startswith("s.yaml: district: communities add up to 300 residents, more than the population of 250")


def test_foreign_national_sizes_must_match_the_foreign_share(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL.replace("foreign_share: 0.2", "foreign_share: 0.4")))
    assert "foreign-national communities add up to 200" in message and "400" in message


def test_community_names_must_be_unique(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL.replace("name: B,", "name: A,")))
    assert "unique" in message and "'A'" in message


def test_required_community_field_missing(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL.replace(", language: Lb", "")))
    assert "district.communities[1](B).language: required key is missing" in message


# --------------------------------------------------------------------------- overrides (--set)
def test_parse_override_reads_the_value_as_yaml():
    assert parse_override("office.handover_month=24") == ("office.handover_month", 24)
    assert parse_override("office.enabled=false") == ("office.enabled", False)
    assert parse_override("office.link_rule = stable") == ("office.link_rule", "stable")
    assert parse_override("district.name=A=B") == ("district.name", "A=B")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("office.handover_month", "no '='; allowed: KEY=VALUE"),
        ("=3", "the key is empty"),
        ("office.handover_month=[1", "not valid YAML"),
        ("name=!!python/object/apply:os.system [true]", "not valid YAML"),
    ],
)
def test_parse_override_errors(text, expected):
    with pytest.raises(ScenarioError) as info:
        parse_override(text)
    assert expected in str(info.value) and "--set" in str(info.value)


def test_override_by_dotted_path_and_community_name(tmp_path):
    path = write(tmp_path / "s.yaml", SMALL)
    scenario = load_scenario(
        path,
        {
            "office.handover_month": 24,
            "behaviour.dependency.strength": 0.1,
            "district.communities.C.size": 200,  # German citizens: the foreign share stays consistent
            "district.communities.0.closure": 0.9,
        },
    )
    assert scenario.office.handover_month == 24
    assert scenario.behaviour.dependency.strength == 0.1
    sizes = {c.name: c.size for c in scenario.district.communities}
    assert sizes == {"A": 150, "B": 50, "C": 200}
    assert scenario.district.communities[0].closure == 0.9
    assert load_scenario(path).office.handover_month == 36  # the file itself is untouched


def test_override_reaches_default_communities_when_the_file_has_none(tmp_path):
    path = write(tmp_path / "d.yaml", "name: d\n")
    default_size = Scenario().district.communities[0].size
    scenario = load_scenario(path, {"district.communities.Turkish.size": default_size + 10})
    assert scenario.district.communities[0].size == default_size + 10


def test_unknown_key_in_override_gets_the_same_suggestion_and_names_set(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL), {"office.handover_mont": 3})
    assert message.startswith("--set: office.handover_mont: unknown key (did you mean 'handover_month'?)")


def test_unknown_section_in_override(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL), {"ofice.handover_month": 3})
    assert message.startswith("--set: ofice: unknown key (did you mean 'office'?)")


def test_unknown_community_in_override(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL), {"district.communities.Bb.size": 3})
    assert "no list item 'Bb' (did you mean 'B'?)" in message and "['A', 'B', 'C']" in message


def test_bad_value_for_a_community_by_name_is_blamed_on_set(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL), {"district.communities.B.size": -5})
    assert message.startswith("--set: district.communities[1](B).size = -5")
    assert "allowed: int in [0, 100000]" in message


def test_override_below_a_value_is_an_error(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", SMALL), {"office.handover_month.x": 3})
    assert "'office.handover_month' is a value, not a section" in message


def test_override_error_label_can_name_the_option(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path / "s.yaml", SMALL), {"run.months": 0}, labels={"run.months": "--months"})
    assert str(info.value).startswith("--months: run.months = 0")


def test_override_making_a_combination_impossible_names_file_and_set(tmp_path):
    path = write(tmp_path / "s.yaml", SMALL + "office:\n  handover_month: 12\n")
    message = error_of(path, {"office.start_month": 40})
    assert message.startswith("s.yaml, --set: office: ") and "handover_month=12 is before start_month=40" in message
    # With the default handover month, only the --set value is involved.
    assert error_of(write(tmp_path / "d.yaml", SMALL), {"office.start_month": 40}).startswith("--set: office: ")


# --------------------------------------------------------------------------- params
def test_parameters_list_every_settable_path_with_type_range_default_and_source(tmp_path):
    rows = {r["path"]: r for r in iter_parameters(load_scenario(write(tmp_path / "s.yaml", SMALL)))}
    handover = rows["office.handover_month"]
    assert (handover["type"], handover["allowed"], handover["default"]) == ("int", "int in [0, 600]", 36)
    assert handover["source"] in {"text", "literature", "assumption", "calibrated"}
    strength = rows["behaviour.dependency.strength"]
    assert strength["allowed"] == "float in [0, 1]" and strength["source"] == "literature"
    assert rows["district.communities.B.size"]["value"] == 50
    assert rows["district.communities.B.language"]["required"] is True
    assert rows["district.communities.B.language"]["default"] is None
    assert rows["office.handover_rule"]["allowed"] == "fixed | stable"
    assert (handover["role"], strength["role"], rows["mechanisms.outreach"]["role"]) == ("lever", "uncertainty", "mechanism")
    assert rows["district.population"]["role"] == rows["district.communities.B.size"]["role"] == "input"
    assert rows["office.enabled"]["source"] is None  # a switch names no source
    # Every row is a path one can --set.
    for path, row in rows.items():
        load_scenario(write(tmp_path / "s.yaml", SMALL), {path: row["value"]})


# --------------------------------------------------------------------------- declarations (levers, uncertainties)
def test_every_field_declares_its_role_where_it_is_defined():
    items = {item.path: item for item in declared()}
    assert {item.role for item in items.values()} == {*ROLES, INPUT}
    for path, item in items.items():
        section = path.split(".")[0]
        if section == "mechanisms":  # every switch M1-M13 with its label in both languages
            assert item.role == "mechanism" and item.control.de and item.control.en, path
        if section in ("office", "instruments", "district_management"):
            assert item.role == "lever", path
        if section == "behaviour" and path != "behaviour.burn_in_months":
            assert item.role == "uncertainty", path
        if item.control is not None:
            assert item.role in ("lever", "mechanism") and item.control.de and item.control.en, path
    assert items["district.rooms"].role == "lever" and items["district.population"].role == INPUT
    assert items["run.months"].role == INPUT
    # Fields of list items (communities) declare nothing: their paths differ from scenario to scenario.
    assert all(role_of(field) == INPUT for field in Community.model_fields.values())


def test_every_real_valued_uncertainty_has_a_plausible_range_around_its_default():
    for item in declared():
        if item.role != "uncertainty" or item.field.annotation is not float:
            assert item.plausible is None, item.path
            continue
        low, high = item.plausible
        lo, hi = bounds(item.field)
        assert lo <= low <= item.field.get_default() <= high <= hi and low < high, item.path
    ranges = {item.path: item.plausible for item in declared()}
    assert ranges["behaviour.dependency.strength"] == (0.0, 1.0)  # declared: its whole range
    assert ranges["behaviour.outreach.inform_management"] == (0.006, 0.024)  # half to double the default
    assert ranges["behaviour.outreach.citywide_access_factor"] == (0.3, 1.0)  # within the bounds


def test_params_rows_read_the_declaration_not_the_section(tmp_path, monkeypatch):
    scenario = load_scenario(write(tmp_path / "s.yaml", SMALL))
    for row in iter_parameters(scenario):
        field = paths.field_at(row["path"])
        assert row["role"] == role_of(field) and row["source"] == declaration(field).get("source"), row["path"]
    # A changed declaration is what params shows: nothing else holds a copy.
    field = paths.field_at("committees.openness")
    monkeypatch.setattr(field, "json_schema_extra", {"source": "assumption", "role": "lever"})
    row = next(r for r in iter_parameters(scenario) if r["path"] == "committees.openness")
    assert (row["role"], row["plausible"]) == ("lever", None)


def test_the_exported_schema_carries_the_declarations():
    defs = json_schema()["$defs"]
    handover = defs["Office"]["properties"]["handover_month"]
    assert (handover["role"], handover["source"], handover["default"], handover["maximum"]) == ("lever", "text", 36, 600)
    assert handover["dashboard"]["de"] == "Übergabe an Unterstützung (Monat)" and handover["dashboard"]["hi"] == 120
    assert defs["Mechanisms"]["properties"]["outreach"]["dashboard"]["en"] == "M1 outreach via mediators"
    assert defs["Dependency"]["properties"]["strength"]["plausible"] == [0.0, 1.0]
    assert defs["Activation"]["properties"]["weight_office"]["plausible"] == [0.25, 1.0]  # from its default
    assert "role" not in defs["District"]["properties"]["population"]


# --------------------------------------------------------------------------- dotted paths
def test_dotted_paths_read_models_and_plain_data_alike(tmp_path):
    scenario = load_scenario(write(tmp_path / "s.yaml", SMALL))
    data = scenario.to_dict()
    for source in (scenario, data):
        assert paths.get(source, "office.handover_month") == 36
        assert paths.get(source, "district.communities.B.size") == 50  # a list item by name
        assert paths.get(source, "district.communities.2.language") == "Lc"  # by index
        assert paths.get(source, "committees.seats_per_stage.1") == 3
    assert paths.field_at("district.communities.B.size") is Community.model_fields["size"]
    with pytest.raises(KeyError):
        paths.field_at("district.communities.B.height")


def test_dotted_paths_write_list_items_and_report_where_pydantic_looks(tmp_path):
    data = load_scenario(write(tmp_path / "s.yaml", SMALL)).to_dict()
    assert paths.set(data, "district.communities.B.size", 70) == ["district", "communities", 1, "size"]
    assert data["district"]["communities"][1]["size"] == 70
    assert paths.set(data, "committees.seats_per_stage.0", 1) == ["committees", "seats_per_stage", 0]
    assert data["committees"]["seats_per_stage"] == [1, 3, 4]
    fresh: dict = {}
    paths.set(fresh, "office.handover_month", 12, fill=lambda loc: {"filled": ".".join(map(str, loc))})
    assert fresh == {"office": {"filled": "office", "handover_month": 12}}


@pytest.mark.parametrize(
    ("dotted", "message"),
    [
        ("district.communities.Bb.size",
         "no list item 'Bb' (did you mean 'B'?); allowed: an index 0..2 or one of ['A', 'B', 'C']"),
        ("district.communities.7.size", "no list item '7'; allowed: an index 0..2 or one of ['A', 'B', 'C']"),
        ("committees.seats_per_stage.5", "no list item '5'; allowed: an index 0..2 or one of []"),
        ("office..x", "empty part in the key; allowed: a dotted path such as office.handover_month"),
    ],
)
def test_unknown_dotted_paths_get_the_messages_overrides_always_gave(tmp_path, dotted, message):
    scenario = load_scenario(write(tmp_path / "s.yaml", SMALL))
    assert error_of(scenario, {dotted: 1}) == f"--set {dotted}: {message}"
    for source in (scenario, scenario.to_dict()):
        with pytest.raises(ScenarioError) as info:
            paths.get(source, dotted)
        assert str(info.value) == f"{dotted}: {message}"


def test_reading_past_a_value_or_an_unknown_key_says_what_is_allowed(tmp_path):
    scenario = load_scenario(write(tmp_path / "s.yaml", SMALL))
    assert error_of(scenario, {"office.handover_month.x": 1}) == (
        "--set office.handover_month.x: 'office.handover_month' is a value, not a section; "
        "allowed: set 'office.handover_month' itself"
    )
    with pytest.raises(ScenarioError, match=r"^office.handover_month.x: 'office.handover_month' is a value, not a section"):
        paths.get(scenario, "office.handover_month.x")
    with pytest.raises(ScenarioError) as info:
        paths.get(scenario, "office.handover_mont", where="spec.yaml: parameters")
    assert str(info.value).startswith("spec.yaml: parameters: no key 'handover_mont' in 'office' (did you mean 'handover_month'?); allowed: one of ['enabled', ")


# --------------------------------------------------------------------------- the analyst's template
def test_template_example_is_a_valid_scenario(tmp_path):
    repo = Path(__file__).resolve().parent.parent
    template = (repo / "scenarios" / "TEMPLATE.md").read_text(encoding="utf-8")
    example = template.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "include: shared/behaviour.yaml" in example
    write(tmp_path / "shared" / "behaviour.yaml", (repo / "scenarios" / "shared" / "behaviour.yaml").read_text("utf-8"))
    scenario = load_scenario(write(tmp_path / "musterstadt_nord.yaml", example))
    assert len(scenario.district.communities) >= 5
    assert scenario.behaviour == load_scenario(repo / "scenarios" / "shared" / "behaviour.yaml").behaviour
