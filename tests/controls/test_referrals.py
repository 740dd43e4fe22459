"""Referrals (issue 12): every (state × move) of REFERRAL_TRANSITIONS, who may send and to
whom, who may handle, the outcome rules, the scoping per organisation (lists, counts, the
inbox), the address log (R21), overdue marking by the scheduled task, and the close gate.

The world (two projects, each with two partner organisations, an evening, findings and
referrals) is the access matrix's, built once per module (tests/access_setup.py).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from controls.constants import (
    JOB_REFERRALS_MARK_OVERDUE,
    REFERRAL_OPEN_STATUSES,
    REFERRAL_TRANSITIONS,
    OutcomeKind,
    ReferralKind,
    ReferralStatus,
)
from controls.models import Finding, Referral
from controls.selectors import referrals as selectors
from controls.services import referrals as services
from projects.constants import Phase
from projects.gates import gate_missing, project_closure_blockers
from projects.selectors import project_perms_for_user
from tests.access_setup import matrix_world
from tests.factories import OrganisationFactory, log_subject, login_verified
from wijkaanpak.core.exceptions import ApplicationError, InvalidTransition, NotPermitted
from wijkaanpak.core.models import Event, ProcessingLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_world(django_db_blocker) as built:
        yield built


def _fresh(world, *, organisation=None):
    """A new referral (verzonden) of project A's fresh finding, to UWV by default."""
    extra = world.own.extra
    return services.referral_create(
        actor=extra["cast"]["projectleider"],
        finding=extra["fresh_finding"],
        kind=ReferralKind.TERUGMELDING_BRP,
        organisation=organisation or extra["cast"]["partner"],
        note="Graag onderzoek naar de inschrijving.",
    )


def _to_state(world, state: ReferralStatus) -> Referral:
    handler = world.people["behandelaar"]
    referral = _fresh(world)
    if state == ReferralStatus.VERZONDEN:
        return referral
    referral = services.referral_receive(actor=handler, referral=referral)
    if state == ReferralStatus.ONTVANGEN:
        return referral
    if state == ReferralStatus.TERUGGELEGD:
        return services.referral_return(actor=handler, referral=referral, reason="Niet voor ons")
    referral = services.referral_start(actor=handler, referral=referral)
    if state == ReferralStatus.IN_BEHANDELING:
        return referral
    return services.referral_complete(
        actor=handler, referral=referral, outcome=OutcomeKind.GEEN_OVERTREDING
    )


MOVES = {
    ReferralStatus.ONTVANGEN: lambda actor, referral: services.referral_receive(
        actor=actor, referral=referral
    ),
    ReferralStatus.IN_BEHANDELING: lambda actor, referral: services.referral_start(
        actor=actor, referral=referral
    ),
    ReferralStatus.TERUGGELEGD: lambda actor, referral: services.referral_return(
        actor=actor, referral=referral, reason="Hoort bij de gemeente"
    ),
    ReferralStatus.AFGEHANDELD: lambda actor, referral: services.referral_complete(
        actor=actor, referral=referral, outcome=OutcomeKind.TERUGVORDERING, amount="1250,50"
    ),
}


@pytest.mark.parametrize("state", list(ReferralStatus))
@pytest.mark.parametrize("target", list(MOVES))
def test_every_move_from_every_state_follows_the_table(world, state, target):
    referral = _to_state(world, state)
    events = Event.objects.filter(object_id=str(referral.pk), object_type="controls.referral")
    before = events.count()
    if target in REFERRAL_TRANSITIONS[state]:
        moved = MOVES[target](world.people["behandelaar"], referral)
        assert moved.status == target
        assert moved.version == referral.version + 1
        event = events.order_by("-pk").first()
        assert events.count() == before + 1
        assert (event.from_state, event.to_state) == (state, target)
        assert event.actor == world.people["behandelaar"]
    else:
        with pytest.raises(InvalidTransition):
            MOVES[target](world.people["behandelaar"], referral)
        referral.refresh_from_db()
        assert referral.status == state
        assert events.count() == before


def test_send_sets_the_term_logs_the_address_and_writes_one_event(world):
    project = world.own.project
    type(project).objects.filter(pk=project.pk).update(referral_term_weeks=3)
    world.own.extra["fresh_finding"].visit.project.refresh_from_db()
    logged = ProcessingLogEntry.objects.count()
    referral = _fresh(world)
    assert referral.status == ReferralStatus.VERZONDEN
    assert referral.due_on == timezone.localdate() + timedelta(weeks=3)
    assert referral.project == project
    assert ProcessingLogEntry.objects.count() == logged + 1
    assert Event.objects.filter(kind="referral_sent", object_id=str(referral.pk)).count() == 1


def test_only_to_a_partner_taking_part_with_a_valid_convenant(world):
    from projects.services import project_convenant_end

    extra = world.own.extra
    outsider = OrganisationFactory(name="Stichting Buiten", kind="woningcorporatie")
    with pytest.raises(ApplicationError) as refused:
        _fresh(world, organisation=outsider)
    assert refused.value.message == services.NOT_A_TARGET
    assert refused.value.extra == {"field": "organisation"}
    second = extra["second_organisation"]
    for convenant in second.convenanten.all():
        project_convenant_end(
            actor=extra["cast"]["projectleider"],
            convenant=convenant,
            valid_until=timezone.localdate() - timedelta(days=1),
        )
    with pytest.raises(ApplicationError, match="geldig convenant"):
        _fresh(world, organisation=second)
    assert second not in selectors.referral_targets(project=world.own.project)


def test_one_open_referral_per_finding_and_organisation(world):
    _fresh(world)
    with pytest.raises(ApplicationError) as refused:
        _fresh(world)
    assert refused.value.message == services.ALREADY_REFERRED.format(organisation="UWV")


def test_who_may_send(world):
    extra = world.own.extra
    finding = extra["fresh_finding"]
    # The inspecteur of the visit's team may; the analist, the behandelaar and the adviser not.
    referral = services.referral_create(
        actor=world.people["inspecteur"],
        finding=finding,
        kind=ReferralKind.HANDHAVING,
        organisation=extra["second_organisation"],
    )
    assert referral.created_by == world.people["inspecteur"]
    for role in ("analist", "behandelaar", "adviseur", "partner_analist"):
        with pytest.raises(NotPermitted):
            services.referral_create(
                actor=world.people[role],
                finding=finding,
                kind=ReferralKind.HANDHAVING,
                organisation=extra["cast"]["partner"],
            )
    # An inspecteur of another team of the project may not.
    from controls.models import TeamMember

    TeamMember.objects.filter(person=world.people["inspecteur"]).delete()
    with pytest.raises(NotPermitted):
        services.referral_create(
            actor=world.people["inspecteur"],
            finding=finding,
            kind=ReferralKind.HANDHAVING,
            organisation=extra["cast"]["partner"],
        )


def test_only_a_behandelaar_of_the_addressed_organisation_moves_it(world):
    referral = world.own.extra["referral_elsewhere"]  # to the Belastingdienst
    for person in (
        world.people["behandelaar"],  # UWV
        world.people["projectleider"],
        world.people["inspecteur"],
        world.other.extra["handler"],  # the Belastingdienst's, of project B
    ):
        with pytest.raises(NotPermitted):
            services.referral_receive(actor=person, referral=referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.VERZONDEN


@pytest.mark.parametrize(
    ("outcome", "fields", "error", "field"),
    [
        (OutcomeKind.TERUGVORDERING, {}, services.AMOUNT_REQUIRED, "amount"),
        (OutcomeKind.BOETE, {"amount": "0"}, services.AMOUNT_REQUIRED, "amount"),
        (OutcomeKind.BOETE, {"amount": "twaalf"}, services.AMOUNT_INVALID, "amount"),
        (OutcomeKind.BOETE, {"amount": "1,005"}, services.AMOUNT_INVALID, "amount"),
        (OutcomeKind.BRP_CORRECTIE, {}, services.BRP_CORRECTION_REQUIRED, "brp_correction"),
        (
            OutcomeKind.NIET_ONTVANKELIJK,
            {"reason": "  "},
            services.NOT_ONTVANKELIJK_REASON_REQUIRED,
            "reason",
        ),
        ("", {}, services.OUTCOME_REQUIRED, "outcome"),
    ],
)
def test_outcome_rules_refuse_beside_the_field(world, outcome, fields, error, field):
    referral = _to_state(world, ReferralStatus.IN_BEHANDELING)
    with pytest.raises(ApplicationError) as refused:
        services.referral_complete(
            actor=world.people["behandelaar"], referral=referral, outcome=outcome, **fields
        )
    assert (refused.value.message, refused.value.extra) == (error, {"field": field})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_BEHANDELING


@pytest.mark.parametrize(
    ("outcome", "fields", "stored"),
    [
        (OutcomeKind.TERUGVORDERING, {"amount": "1.250,50"}, {"amount": Decimal("1250.50")}),
        (OutcomeKind.BOETE, {"amount": Decimal("300")}, {"amount": Decimal("300")}),
        (
            OutcomeKind.BRP_CORRECTIE,
            {"brp_correction": "uitgeschreven", "amount": "99"},
            {"brp_correction": "uitgeschreven", "amount": None},
        ),
        (OutcomeKind.HULPVERLENING, {}, {"amount": None}),
        (OutcomeKind.GEEN_OVERTREDING, {}, {"brp_correction": ""}),
        (OutcomeKind.NIET_ONTVANKELIJK, {"reason": "Verjaard"}, {"reason": "Verjaard"}),
    ],
)
def test_outcomes_are_recorded(world, outcome, fields, stored):
    referral = _to_state(world, ReferralStatus.IN_BEHANDELING)
    done = services.referral_complete(
        actor=world.people["behandelaar"], referral=referral, outcome=outcome, **fields
    )
    assert done.status == ReferralStatus.AFGEHANDELD and done.closed_at is not None
    assert done.outcome.kind == outcome
    for name, value in stored.items():
        assert getattr(done.outcome, name) == value


def test_a_stale_version_is_refused(world):
    referral = _fresh(world)
    services.referral_receive(actor=world.people["behandelaar"], referral=referral)
    with pytest.raises(InvalidTransition, match="intussen gewijzigd"):
        services.referral_start(
            actor=world.people["behandelaar"], referral=referral, expected_version=1
        )


def test_scoping_per_organisation_lists_counts_inbox_and_detail(world):
    extra = world.own.extra
    uwv_handler = world.people["behandelaar"]
    bd_handler = world.other.extra["handler"]  # Belastingdienst, project B
    own = {extra["referral"].pk, extra["referral_started"].pk}
    everything = own | {extra["referral_elsewhere"].pk}

    # Other features' matrix hooks (the REST API's) add referrals to UWV as well: the rule is
    # that every referral shown is addressed to the person's organisation, ours included, and
    # none elsewhere.
    uwv = uwv_handler.organisation
    for listed in (
        selectors.referral_inbox_for_user(user=uwv_handler),
        selectors.referral_list_for_user(user=uwv_handler),
    ):
        pks = set(listed.values_list("pk", flat=True))
        assert own <= pks and extra["referral_elsewhere"].pk not in pks
        assert {r.organisation_id for r in listed} == {uwv.pk}
    leader = world.people["projectleider"]
    leader_pks = set(selectors.referral_list_for_user(user=leader).values_list("pk", flat=True))
    assert everything <= leader_pks
    assert world.other.extra["referral"].pk not in leader_pks
    counts = selectors.referral_counts_for_user(user=uwv_handler)
    listed_open = selectors.referral_list_for_user(user=uwv_handler).filter(
        status__in=["verzonden", "ontvangen", "in_behandeling"]
    )
    assert counts["open"] == listed_open.count() >= 2  # the counts follow the same scope
    # Project B's Belastingdienst behandelaar sees B's referrals to the Belastingdienst only.
    bd_listed = selectors.referral_inbox_for_user(user=bd_handler)
    bd_inbox = set(bd_listed.values_list("pk", flat=True))
    assert {world.other.extra["referral"].pk, world.other.extra["referral_started"].pk} <= bd_inbox
    assert {r.organisation_id for r in bd_listed} == {bd_handler.organisation_id}
    assert {r.project_id for r in bd_listed} == {world.other.project.pk}
    for role in ("analist", "inspecteur", "adviseur", "partner_analist"):
        assert not selectors.referral_list_for_user(user=world.people[role]).exists()
        assert selectors.referral_counts_for_user(user=world.people[role])["open"] == 0
    with pytest.raises(Http404):
        selectors.referral_get_for_user(
            user=uwv_handler, project=world.own.project, pk=extra["referral_elsewhere"].pk
        )
    with pytest.raises(Http404):  # another project's referral through this project's slug
        selectors.referral_get_for_user(
            user=leader, project=world.own.project, pk=world.other.extra["referral"].pk
        )


def test_viewing_a_referral_logs_its_address_first(world, client):
    referral = world.own.extra["referral"]
    login_verified(client, world.people["behandelaar"])
    before = ProcessingLogEntry.objects.count()
    response = client.get(
        reverse("controls:referral", kwargs={"slug": world.own.project.slug, "pk": referral.pk})
    )
    assert response.status_code == 200
    entries = ProcessingLogEntry.objects.order_by("pk")[before:]
    assert [log_subject(e) for e in entries] == [referral.finding.visit.address_key]
    assert entries[0].object_id == str(referral.pk)


def test_the_inbox_page_shows_only_the_own_organisations_referrals(world, client):
    extra = world.own.extra
    login_verified(client, world.people["behandelaar"])
    page = client.get(reverse("controls:inbox")).content.decode()
    assert f"Nr. {extra['referral'].pk}:" in page
    assert f"Nr. {extra['referral_started'].pk}:" in page
    assert f"Nr. {extra['referral_elsewhere'].pk}:" not in page
    start = client.get(reverse("projects:start")).content.decode()
    assert f"Nr. {extra['referral'].pk}:" in start
    assert f"Nr. {extra['referral_elsewhere'].pk}:" not in start


def test_referral_lists_draw_one_page_and_count_every_referral(world, client, monkeypatch):
    """The inbox and the projectleider's overview draw one page of their tables (a city's
    project has hundreds of referrals); the headings and counts cover all of them."""
    from controls.views import followup

    monkeypatch.setattr(followup, "REFERRAL_PAGE_SIZE", 1)
    login_verified(client, world.people["behandelaar"])
    inbox = client.get(reverse("controls:inbox"))
    open_page = inbox.context["open_page"]
    assert open_page.paginator.count >= 2 and len(open_page.object_list) == 1
    page = inbox.content.decode()
    assert f"Open ({open_page.paginator.count})" in page and 'href="?pagina=2#open"' in page
    second = client.get(reverse("controls:inbox") + "?pagina=2").context["open_page"]
    assert second.number == 2 and second.object_list[0] != open_page.object_list[0]

    login_verified(client, world.people["projectleider"])
    url = reverse("controls:referrals", kwargs={"slug": world.own.project.slug})
    response = client.get(url + "?status=verzonden")
    listed = response.context["page"]
    assert len(listed.object_list) == 1
    assert all(r.status == "verzonden" for r in listed.object_list)
    if listed.has_next():
        assert 'href="?status=verzonden&amp;pagina=2#lijst"' in response.content.decode()
    total = sum(row.total for row in client.get(url).context["partners"])
    assert total == client.get(url).context["page"].paginator.count


def test_the_overview_counts_per_partner_in_one_query_whatever_the_number(world, client):
    """The projectleider's overview per partner: the counts per status, overdue and in total
    that a loop over every referral gives (what the page computed before it aggregated), with
    the same queries for three times the referrals."""
    project = world.own.project
    open_one = Referral.objects.filter(project=project, status__in=REFERRAL_OPEN_STATUSES).first()
    Referral.objects.filter(pk=open_one.pk).update(is_overdue=True)
    login_verified(client, world.people["projectleider"])
    url = reverse("controls:referrals", kwargs={"slug": project.slug})

    def counted_one_by_one() -> tuple[list, int, int]:
        rows: dict[str, dict] = {}
        for r in Referral.objects.filter(project=project).select_related("organisation"):
            row = rows.setdefault(
                r.organisation.name,
                {"counts": {s.value: 0 for s in ReferralStatus}, "overdue": 0, "total": 0},
            )
            row["counts"][r.status] += 1
            row["total"] += 1
            row["overdue"] += r.is_overdue and r.status in REFERRAL_OPEN_STATUSES
        every = Referral.objects.filter(project=project)
        open_ones = every.filter(status__in=REFERRAL_OPEN_STATUSES)
        return sorted(rows.items()), open_ones.count(), open_ones.filter(is_overdue=True).count()

    def shown() -> tuple[tuple[list, int, int], int]:
        with CaptureQueriesContext(connection) as queries:
            context = client.get(url).context
        rows = [
            (row.name, {"counts": row.counts, "overdue": row.overdue, "total": row.total})
            for row in context["partners"]
        ]
        figures = (rows, context["open_count"], context["overdue_count"])
        # No query reads every referral: an aggregate, or one page.
        read = [
            q["sql"] for q in queries.captured_queries if 'FROM "controls_referral"' in q["sql"]
        ]
        assert len(read) == 2 and all("COUNT(" in sql or "LIMIT" in sql for sql in read)
        assert context["page"].paginator.count == sum(row[1]["total"] for row in rows)
        return figures, len(queries.captured_queries)

    client.get(url)  # warm-up
    figures, queries = shown()
    assert figures == counted_one_by_one()
    assert len(figures[0]) >= 2 and figures[2] == 1
    assert {status for row in figures[0] for status, n in row[1]["counts"].items() if n} >= {
        "verzonden",
        "in_behandeling",
    }
    copies = []
    for referral in Referral.objects.filter(project=project):
        for _ in range(2):
            copies.append(
                Referral(
                    **{
                        f.attname: getattr(referral, f.attname)
                        for f in Referral._meta.concrete_fields
                        if not f.primary_key
                    }
                )
            )
    Referral.objects.bulk_create(copies)
    grown, grown_queries = shown()
    assert grown == counted_one_by_one() and grown != figures
    assert grown_queries == queries


def test_completing_through_the_page_puts_the_error_beside_the_amount(world, client):
    referral = world.own.extra["referral_started"]
    login_verified(client, world.people["behandelaar"])
    url = reverse(
        "controls:referral-complete", kwargs={"slug": world.own.project.slug, "pk": referral.pk}
    )
    response = client.post(url, {"outcome": "terugvordering", "amount": ""})
    assert response.status_code == 400
    assert response.context["outcome_form"].errors == {"amount": [services.AMOUNT_REQUIRED]}
    response = client.post(url, {"outcome": "terugvordering", "amount": "2400,00"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AFGEHANDELD
    assert referral.outcome.amount == Decimal("2400.00")
    # The projectleider sees it on the finding.
    login_verified(client, world.people["projectleider"])
    page = client.get(
        reverse(
            "controls:finding-refer",
            kwargs={"slug": world.own.project.slug, "pk": referral.finding_id},
        )
    ).content.decode()
    assert "Terugvordering: € 2400.00" in page or "Terugvordering: € 2400,00" in page


def test_overdue_marking_once_with_an_event_each(world):
    from controls.tasks import referrals_mark_overdue_task
    from wijkaanpak.core.jobs import JOBS

    extra = world.own.extra
    closed = _to_state(world, ReferralStatus.TERUGGELEGD)
    open_ids = set(
        Referral.objects.filter(
            status__in=["verzonden", "ontvangen", "in_behandeling"]
        ).values_list("pk", flat=True)
    )
    later = extra["referral"].due_on + timedelta(days=1)
    assert services.referrals_mark_overdue(today=extra["referral"].due_on) == 0
    assert services.referrals_mark_overdue(today=later) == len(open_ids)
    assert set(Referral.objects.filter(is_overdue=True).values_list("pk", flat=True)) == open_ids
    assert Event.objects.filter(kind="referral_overdue").count() == len(open_ids)
    closed.refresh_from_db()
    assert not closed.is_overdue
    assert services.referrals_mark_overdue(today=later) == 0  # once
    assert referrals_mark_overdue_task.run() == 0  # today: nothing is past its 8 weeks yet
    assert any(job.name == JOB_REFERRALS_MARK_OVERDUE for job in JOBS)
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {entry["task"] for entry in schedule.values()} >= {JOB_REFERRALS_MARK_OVERDUE}
    assert referrals_mark_overdue_task.name == JOB_REFERRALS_MARK_OVERDUE
    # The inbox shows it overdue.
    counts = selectors.referral_counts_for_user(user=world.people["behandelaar"])
    assert counts["overdue"] == 2


def test_a_project_with_open_referrals_cannot_close_and_the_refusal_names_them(world):
    extra = world.own.extra
    project = world.own.project
    blockers = project_closure_blockers(project)
    keys = ("referral_elsewhere", "referral_started", "referral")
    sent, started, elsewhere = (Referral.objects.get(pk=extra[k].pk) for k in reversed(keys))
    open_ones = [sent, started, elsewhere]
    assert blockers == [
        selectors.OPEN_REFERRAL_BLOCKS.format(
            number=r.pk,
            kind=r.get_kind_display(),
            organisation=r.organisation.name,
            status=r.get_status_display(),
        )
        for r in sorted(open_ones, key=lambda r: r.pk)
    ]
    assert set(blockers) <= set(gate_missing(project, Phase.AFGESLOTEN))
    handler = world.people["behandelaar"]
    services.referral_return(actor=handler, referral=sent, reason="Niet voor ons")
    services.referral_complete(actor=handler, referral=started, outcome=OutcomeKind.HULPVERLENING)
    services.referral_return(actor=extra["handler_second"], referral=elsewhere, reason="Onbekend")
    assert project_closure_blockers(project) == []


def test_findings_with_followup_for_the_visit_page(world):
    extra = world.own.extra
    finding, fresh = extra["finding"], extra["fresh_finding"]
    project = world.own.project

    def followup(role: str, found: Finding) -> list:
        perms = project_perms_for_user(user=world.people[role], project=project)
        [shown] = selectors.findings_with_followup(visit=found.visit, findings=[found], perms=perms)
        return shown.followup

    assert [r.pk for r in followup("projectleider", finding)] == [extra["referral_started"].pk]
    assert followup("projectleider", fresh) == []
    assert followup("inspecteur", finding) == []


def test_the_visit_page_shows_what_came_of_each_finding(world, client):
    extra = world.own.extra
    finding, slug = extra["finding"], world.own.project.slug
    login_verified(client, world.people["projectleider"])
    response = client.get(reverse("controls:visit", args=[slug, finding.visit_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("controls:finding-refer", args=[slug, finding.pk]) in html
    assert reverse("controls:referral", args=[slug, extra["referral_started"].pk]) in html
