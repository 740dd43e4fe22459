"""Every gate of the lifecycle, open and closed, with its exact Dutch message; a refused
transition changes nothing; only the moves in PROJECT_TRANSITIONS are possible."""

from datetime import date

import pytest

from datasharing.gates import MISSING_BAG_DELIVERY
from partners.services import convenant_end, convenant_register
from projects import gates, services
from projects.constants import PHASE_ORDER, PROJECT_TRANSITIONS, Phase
from projects.models import PhaseTransition, Project
from projects.services import role_grant
from tests.factories import UserFactory, pdf_file, project_to_phase
from wijkaanpak.core.exceptions import InvalidTransition, NotPermitted

pytestmark = pytest.mark.django_db


def _refused(project, target, expected_missing: list[str]):
    """Advance must be refused with exactly `expected_missing`, leaving phase and history."""
    before_phase = Project.objects.get(pk=project.pk).phase
    before_rows = list(PhaseTransition.objects.filter(project=project).values_list("pk", flat=True))
    with pytest.raises(InvalidTransition) as excinfo:
        services.project_advance(actor=project.created_by, project=project, target=target)
    assert excinfo.value.message == services.TRANSITION_GATE_CLOSED.format(
        naar=Phase(target).label, ontbreekt=" ".join(expected_missing)
    )
    assert excinfo.value.extra["missing"] == expected_missing
    assert Project.objects.get(pk=project.pk).phase == before_phase
    assert (
        list(PhaseTransition.objects.filter(project=project).values_list("pk", flat=True))
        == before_rows
    )


def _allowed(project, target):
    project = services.project_advance(actor=project.created_by, project=project, target=target)
    assert Project.objects.get(pk=project.pk).phase == target
    last = PhaseTransition.objects.filter(project=project).last()
    assert (last.to_phase, last.actor) == (target, project.created_by)
    return project


def test_initiatie_gate(projectleider_a, convenants):
    from tests.factories import ProjectFactory

    project = ProjectFactory(
        created_by=projectleider_a,
        problem_analysis="",
        buurtcodes=[],
        postcodes=[],
        period_start=None,
        period_end=None,
    )
    _refused(
        project,
        Phase.COLLEGEBESLUIT,
        [gates.MISSING_AREA, gates.MISSING_PROBLEM_ANALYSIS, gates.MISSING_PERIOD],
    )
    services.project_update(actor=projectleider_a, project=project, data={"postcodes": ["1234AB"]})
    _refused(project, Phase.COLLEGEBESLUIT, [gates.MISSING_PROBLEM_ANALYSIS, gates.MISSING_PERIOD])
    services.project_update(
        actor=projectleider_a,
        project=project,
        data={
            "problem_analysis": "Adresfraude",
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 6, 30),
        },
    )
    assert services.project_missing_for_next_phase(Project.objects.get(pk=project.pk)) == []
    _allowed(project, Phase.COLLEGEBESLUIT)


def test_initiatie_gate_blank_name_is_missing(project_a):
    # The name cannot be blanked through project_update (full_clean), so the gate is read directly.
    project_a.name = "   "
    assert gates.gate_missing(project_a, Phase.COLLEGEBESLUIT) == [gates.MISSING_NAME]


def test_collegebesluit_gate(project_a):
    project = project_to_phase(project_a, Phase.COLLEGEBESLUIT)
    _refused(project, Phase.PROJECTPLAN, [gates.MISSING_COLLEGEBESLUIT])
    services.collegebesluit_register(
        actor=project.created_by,
        project=project,
        date=date(2026, 1, 10),
        reference="CB-1",
        document=pdf_file(),
        capacity_settled=False,
        data_permission=False,
    )
    _refused(project, Phase.PROJECTPLAN, [gates.MISSING_CAPACITY, gates.MISSING_DATA_PERMISSION])
    services.collegebesluit_register(
        actor=project.created_by,
        project=project,
        date=date(2026, 1, 11),
        reference="CB-2",
        document=pdf_file(),
        capacity_settled=True,
        data_permission=False,
    )
    _refused(project, Phase.PROJECTPLAN, [gates.MISSING_DATA_PERMISSION])
    services.collegebesluit_register(
        actor=project.created_by,
        project=project,
        date=date(2026, 1, 12),
        reference="CB-3",
        document=pdf_file(),
        capacity_settled=True,
        data_permission=True,
    )
    _allowed(project, Phase.PROJECTPLAN)


def _plan(project):
    return services.projectplan_version_create(
        actor=project.created_by,
        project=project,
        goals="D",
        approach="A",
        indicators_rationale="I",
        data_per_partner="G",
        planning="P",
        communication="C",
        retention="B",
    )


def test_projectplan_gate(project_a):
    project = project_to_phase(project_a, Phase.PROJECTPLAN)
    _refused(project, Phase.PARTNERS, [gates.MISSING_PROJECTVOORSTEL, gates.MISSING_ADOPTED_PLAN])
    services.projectvoorstel_save(
        actor=project.created_by, project=project, submitted_on=date(2026, 1, 20)
    )
    _refused(project, Phase.PARTNERS, [gates.MISSING_LSI_INSTEMMING, gates.MISSING_ADOPTED_PLAN])
    plan = _plan(project)
    with pytest.raises(InvalidTransition) as excinfo:
        services.projectplan_adopt(actor=project.created_by, plan=plan)
    assert excinfo.value.message == services.PLAN_NEEDS_INSTEMMING
    with pytest.raises(Exception) as excinfo:
        services.projectvoorstel_save(
            actor=project.created_by,
            project=project,
            submitted_on=date(2026, 1, 20),
            lsi_instemming_date=date(2026, 2, 1),
        )
    assert excinfo.value.message == services.INSTEMMING_INCOMPLETE
    services.projectvoorstel_save(
        actor=project.created_by,
        project=project,
        submitted_on=date(2026, 1, 20),
        lsi_instemming_date=date(2026, 2, 1),
        lsi_instemming_reference="LSI-1",
    )
    _refused(project, Phase.PARTNERS, [gates.MISSING_ADOPTED_PLAN])
    services.projectplan_adopt(actor=project.created_by, plan=plan)
    with pytest.raises(InvalidTransition) as excinfo:
        services.projectplan_adopt(actor=project.created_by, plan=plan)
    assert excinfo.value.message == services.PLAN_ALREADY_ADOPTED
    _allowed(project, Phase.PARTNERS)


def test_data_uitvraag_gate(project_a, gemeente_a, uwv, convenants):
    project = project_to_phase(project_a, Phase.PARTNERS)
    # DPIA missing only.
    _refused(project, Phase.DATA_UITVRAAG, [gates.MISSING_DPIA])
    with pytest.raises(Exception) as excinfo:
        services.dpia_save(actor=project.created_by, project=project, vastgesteld=True)
    assert excinfo.value.message == services.DPIA_VASTGESTELD_NEEDS_DATE
    services.dpia_save(
        actor=project.created_by,
        project=project,
        vastgesteld=True,
        date=date(2026, 2, 1),
        reference="D",
    )
    # The municipality's and UWV's convenants end: both missing, DPIA fine.
    gemeente_conv = next(c for c in convenants if c.organisation == gemeente_a)
    uwv_conv = next(c for c in convenants if c.organisation == uwv)
    convenant_end(actor=project.created_by, convenant=gemeente_conv, valid_until=date(2024, 12, 31))
    convenant_end(actor=project.created_by, convenant=uwv_conv, valid_until=date(2024, 12, 31))
    _refused(
        project,
        Phase.DATA_UITVRAAG,
        [gates.MISSING_MUNICIPALITY_CONVENANT, gates.MISSING_OTHER_PARTNER],
    )
    convenant_register(
        actor=project.created_by,
        organisation=gemeente_a,
        kind="lsi",
        reference="LSI-NIEUW",
        valid_from=date(2025, 1, 1),
    )
    _refused(project, Phase.DATA_UITVRAAG, [gates.MISSING_OTHER_PARTNER])
    # A new besluit that withdraws data permission closes the gate again.
    convenant_register(
        actor=project.created_by,
        organisation=uwv,
        kind="lsi",
        reference="LSI-UWV-2",
        valid_from=date(2025, 1, 1),
    )
    services.collegebesluit_register(
        actor=project.created_by,
        project=project,
        date=date(2026, 3, 1),
        reference="CB-intrekking",
        document=pdf_file(),
        capacity_settled=True,
        data_permission=False,
    )
    _refused(project, Phase.DATA_UITVRAAG, [gates.MISSING_DATA_PERMISSION])
    services.collegebesluit_register(
        actor=project.created_by,
        project=project,
        date=date(2026, 3, 2),
        reference="CB-herstel",
        document=pdf_file(),
        capacity_settled=True,
        data_permission=True,
    )
    assert gates.data_request_missing(project) == []
    _allowed(project, Phase.DATA_UITVRAAG)


def test_vng_does_not_count_as_other_partner(projectleider_a, convenants, vng):
    from tests.factories import ProjectFactory

    project = ProjectFactory(created_by=projectleider_a, partners=[vng])
    project = project_to_phase(project, Phase.PARTNERS)
    services.dpia_save(
        actor=projectleider_a,
        project=project,
        vastgesteld=True,
        date=date(2026, 2, 1),
        reference="D",
    )
    _refused(project, Phase.DATA_UITVRAAG, [gates.MISSING_OTHER_PARTNER])


def test_selectie_gate_needs_bag_delivery(project_a):
    project = project_to_phase(project_a, Phase.DATA_UITVRAAG)
    _refused(project, Phase.SELECTIE, [MISSING_BAG_DELIVERY])


def test_only_projectleider_may_advance(project_a, uwv):
    person = UserFactory(username="analist_uwv", organisation=uwv)
    role_grant(actor=project_a.created_by, project=project_a, person=person, role="analist")
    with pytest.raises(NotPermitted) as excinfo:
        services.project_advance(actor=person, project=project_a)
    assert excinfo.value.message == services.NOT_PROJECTLEIDER
    assert Project.objects.get(pk=project_a.pk).phase == Phase.INITIATIE
    assert not PhaseTransition.objects.filter(project=project_a).exists()


def _open_all_gates(monkeypatch):
    for phase in Phase:
        monkeypatch.setitem(gates.PHASE_GATES, phase, lambda project: [])
    monkeypatch.setattr(gates.GATES, "_entries", [])  # the gates other apps registered


@pytest.mark.parametrize("current", list(Phase), ids=lambda p: p.value)
@pytest.mark.parametrize("target", list(Phase), ids=lambda p: p.value)
def test_only_listed_transitions_are_possible(current, target, project_a, monkeypatch):
    """With every gate open, exactly the PROJECT_TRANSITIONS moves succeed (style rule 11)."""
    _open_all_gates(monkeypatch)
    project = project_a
    for step in PHASE_ORDER[1 : PHASE_ORDER.index(current) + 1]:
        project = services.project_advance(actor=project.created_by, project=project, target=step)
    assert project.phase == current
    rows_before = PhaseTransition.objects.filter(project=project).count()
    if target in PROJECT_TRANSITIONS[current]:
        project = services.project_advance(actor=project.created_by, project=project, target=target)
        assert Project.objects.get(pk=project.pk).phase == target
        assert PhaseTransition.objects.filter(project=project).count() == rows_before + 1
    else:
        with pytest.raises(InvalidTransition) as excinfo:
            services.project_advance(actor=project.created_by, project=project, target=target)
        assert excinfo.value.message == services.TRANSITION_NOT_ALLOWED.format(
            van=current.label, naar=target.label
        )
        assert Project.objects.get(pk=project.pk).phase == current
        assert PhaseTransition.objects.filter(project=project).count() == rows_before


def test_closed_project_has_no_next_phase(project_a, monkeypatch):
    _open_all_gates(monkeypatch)
    project = project_a
    for step in PHASE_ORDER[1:]:
        project = services.project_advance(actor=project.created_by, project=project, target=step)
    assert services.project_missing_for_next_phase(project) == []
    with pytest.raises(InvalidTransition) as excinfo:
        services.project_advance(actor=project.created_by, project=project)
    assert excinfo.value.message == services.TRANSITION_NOT_ALLOWED.format(
        van=Phase.AFGESLOTEN.label, naar="—"
    )
    with pytest.raises(InvalidTransition) as excinfo:
        services.project_update(actor=project.created_by, project=project, data={"name": "Nieuw"})
    assert excinfo.value.message == services.PROJECT_CLOSED
