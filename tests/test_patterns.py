"""The patterns of MODEL.md hold at 1:1 scale, as means over 10 seeds (issue: 'The patterns hold').

Nothing measured here is set in the scenario files: every number emerges from the mechanisms
(see docs/ODD.md, 'Calibration', for the parameters tuned to reach them)."""

import pytest

from run_cache import ES, KS, WIDE_SEEDS, mean_series, mean_summary, runs

pytestmark = pytest.mark.slow


def test_communities_in_the_working_group_at_month_36():
    ks = mean_series(runs(KS), "communities_in_working_group")[36]
    es = mean_series(runs(ES), "communities_in_working_group")[36]
    assert abs(ks - 6) <= 1, ks
    assert abs(es - 5) <= 1, es
    assert ks > es, (ks, es)


def test_associations_founded_since_inclusion_began_mostly_womens():
    ks = mean_series(runs(KS), "associations_founded")
    es = mean_series(runs(ES), "associations_founded")
    # "since the inclusion began", text written about 2005: some month between 36 and 60.
    assert any(abs(ks[m] - 4) <= 1 for m in range(36, 61)), ks[36:61]
    assert any(abs(es[m] - 2) <= 1 for m in range(36, 61)), es[36:61]
    assert ks[60] > es[60]
    womens = mean_series(runs(KS), "womens_associations_founded")[60] + mean_series(runs(ES), "womens_associations_founded")[60]
    assert womens >= 0.8 * (ks[60] + es[60]), (womens, ks[60] + es[60])


def test_rooms_carry_self_organised_groups():
    # 40 seeds: Eberstadt-Süd's groups vary by about 2.4-2.9 per seed (seeds 1-40), so over 10
    # seeds the limit 0.5 x Kranichstein-Süd was about one standard error from the mean.
    ks = mean_series(runs(KS, seeds=WIDE_SEEDS), "self_organised_groups")[60]
    es = mean_series(runs(ES, seeds=WIDE_SEEDS), "self_organised_groups")[60]
    assert ks > 10, ks
    assert es < 0.5 * ks, (es, ks)
    assert es > 0, "without rooms self-organisation is harder, not impossible"


def test_hardly_any_migrant_reached_at_the_start():
    for path in (KS, ES):
        assert mean_series(runs(path), "migrants_reached_share")[0] < 0.05


def test_without_the_office_procedures_keep_migrants_out():
    for path in (KS, ES):
        default = mean_series(runs(path), "migrant_participation_rate")[36]
        without = mean_series(runs(path, {"office.enabled": False}), "migrant_participation_rate")[36]
        assert without < default / 3, (without, default)


def test_no_office_baseline_comes_from_procedures_not_from_unwillingness():
    # Same residents, same thresholds (migrants and natives draw them alike, see
    # test_population); only the barriers of the procedures (M2: German-only, formal meetings
    # without translation, no one to identify with) switched off: many more migrants take part.
    baseline = mean_series(runs(KS, {"office.enabled": False}), "migrant_participation_rate")[36]
    open_procedures = mean_series(
        runs(KS, {"office.enabled": False, "mechanisms.barriers": False}), "migrant_participation_rate"
    )[36]
    assert open_procedures > 3 * baseline + 0.02, (open_procedures, baseline)


def test_no_collapse_after_the_documented_handover():
    for path in (KS, ES):
        assert mean_summary(runs(path), "sustainability_ratio_24m") > 0.7


def test_linking_too_early_gives_token_representation():
    early = mean_series(runs(KS, {"office.link_month": 0}), "token_index")[36]
    timely = mean_series(runs(KS, {"office.link_month": 18}), "token_index")[36]
    assert early > timely, (early, timely)


def test_linking_too_late_gives_a_detached_parallel_structure():
    late = mean_series(runs(KS, {"office.link_month": 60}), "detachment_index")[72]
    timely = mean_series(runs(KS, {"office.link_month": 18}), "detachment_index")[72]
    assert late > timely, (late, timely)


def test_stable_rule_hands_over_around_month_36():
    # 40 seeds: the month varies by about 3-7 between seeds (seeds 1-10: 31-41 in
    # Kranichstein-Süd, 31-49 in Eberstadt-Süd).
    for path in (KS, ES):
        month = mean_summary(runs(path, {"office.handover_rule": "stable"}, seeds=WIDE_SEEDS), "handover_month")
        assert abs(month - 36) <= 6, month


def test_handing_over_too_early_costs_participation():
    early = mean_series(runs(KS, {"office.handover_month": 12}), "migrant_participation_rate")[84]
    documented = mean_series(runs(KS), "migrant_participation_rate")[84]
    assert early < documented, (early, documented)


def test_handing_over_late_costs_staff_hours_and_with_dependency_own_capacity():
    late, documented = runs(KS, {"office.handover_month": 72}), runs(KS)
    assert mean_summary(late, "office_staff_hours_total") > mean_summary(documented, "office_staff_hours_total")

    # Succession (docs/ODD.md §7.14): by month 72 a group moderated all along has built less of its
    # own than one that has run itself since month 36; without the dependency assumption the longer
    # moderation builds more (its meetings are more regular), so the cost is that assumption's.
    def gap(overrides):
        late = runs(KS, {"office.handover_month": 72, **overrides})
        documented = runs(KS, overrides)
        return mean_series(late, "working_group_capacity")[72] - mean_series(documented, "working_group_capacity")[72]

    with_dependency, without = gap({}), gap({"mechanisms.dependency": False})
    assert with_dependency < 0 < without, (with_dependency, without)
