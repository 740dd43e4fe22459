"""The project pages: happy paths and error paths, uploads, downloads, query counts."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest

from projects import constants, forms, gates, services
from projects.constants import Phase
from projects.models import Collegebesluit, PhaseTransition, Project
from tests.factories import ProjectFactory, UserFactory, pdf_file, project_to_phase

pytestmark = pytest.mark.django_db


def _url(name, project, **kwargs):
    return reverse(name, kwargs={"slug": project.slug, **kwargs})


def test_project_list_query_count(
    client, verified_client, projectleider_a, project_a, convenants, uwv, django_assert_num_queries
):
    for _ in range(3):  # more projects must not mean more queries
        ProjectFactory(created_by=projectleider_a, partners=[uwv])
    verified_client(projectleider_a)
    client.get(reverse("projects:list"))  # warm-up: content types are cached per process
    # 1 session, 2 user, 3 OTP device, 4 the user's organisation (may they create a project),
    # 5 the projects with their municipality (guardian-scoped, one query),
    # 6-8 savepoint, session update, release (the session is saved on every request).
    with django_assert_num_queries(8):
        response = client.get(reverse("projects:list"))
    assert response.status_code == 200
    assert len(response.context["projects"]) == 4
    body = response.content.decode()
    assert project_a.name in body and "Naar Collegebesluit" in body
    assert reverse("projects:create") in body


def test_project_detail_query_count(
    client,
    verified_client,
    project_a,
    analist_a,
    adviseur_a,
    inspecteur_a,
    django_assert_num_queries,
):
    project = project_to_phase(project_a, Phase.PARTNERS)
    verified_client(project.created_by)
    client.get(_url("projects:detail", project))  # warm-up: content types are cached per process
    # 1 session, 2 user, 3 OTP device, 4 project + municipality, voorstel and DPIA (joined),
    # 5 every permission of the person on it (guardian + participation in one query; the page
    #   asks view and manage, the project menu each of its pages, without another query),
    # 6 their convenant (personal-data perms),
    # 7-9 next-phase gate: convenants valid today, other partner exists, latest collegebesluit,
    # 10-11 partners overview: valid convenants, active partners + organisation,
    # 12-13 plan versions + their acknowledgements (prefetch),
    # 14-16 documents: collegebesluiten, plan versions, partner convenants,
    # 17 latest collegebesluit (Besluiten card),
    # 18 the user's organisation (header), 19 active roles with people and organisations,
    # 20 phase transitions with actors, 21-23 savepoint, session update, release.
    with django_assert_num_queries(23):
        response = client.get(_url("projects:detail", project))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-current="step"' in body
    assert gates.MISSING_DPIA in body
    assert "Naar volgende fase" in body
    # The same page with more partners, roles and transitions costs the same number of queries.
    from projects.services import role_grant
    from tests.factories import OrganisationFactory

    extra = OrganisationFactory(name="SVB", kind="svb")
    services.project_partner_add(actor=project.created_by, project=project, organisation=extra)
    role_grant(
        actor=project.created_by,
        project=project,
        person=UserFactory(organisation=extra),
        role="behandelaar",
    )
    with django_assert_num_queries(23):
        assert client.get(_url("projects:detail", project)).status_code == 200


def test_detail_shows_missing_history_partners_people_and_documents(
    client, verified_client, project_a, uwv
):
    project = project_to_phase(project_a, Phase.PARTNERS)
    verified_client(project.created_by)
    response = client.get(_url("projects:detail", project))
    body = response.content.decode()
    assert [item["text"] for item in response.context["missing"]] == [gates.MISSING_DPIA]
    assert [t.to_phase for t in response.context["transitions"]] == [
        "collegebesluit",
        "projectplan",
        "partners",
    ]
    assert {row["organisation"].name for row in response.context["partners"]} == {
        "Gemeente Aadorp",
        "UWV",
    }
    assert all(row["convenant"] is not None for row in response.context["partners"])
    assert project.created_by.get_full_name() in body
    besluit = project.collegebesluiten.get()
    assert _url("projects:document", project, kind="collegebesluit", pk=besluit.pk) in body
    # No storage path of any document reaches the page.
    assert "projectdocumenten/" not in body and besluit.document.name not in body


def test_create_project(client, verified_client, projectleider_a, uwv):
    verified_client(projectleider_a)
    assert client.get(reverse("projects:create")).status_code == 200
    response = client.post(
        reverse("projects:create"), {"name": "Wijkaanpak Nieuw", "buurtcodes": "bu00010001, XX"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["buurtcodes"] == [
        forms.BUURTCODE_INVALID.format(code="XX")
    ]
    assert not Project.objects.filter(name="Wijkaanpak Nieuw").exists()
    response = client.post(
        reverse("projects:create"),
        {
            "name": "Nieuw",
            "buurtcodes": "BU00010001",
            "postcodes": "1234 ab",
            "problem_analysis": "Signalen",
        },
    )
    project = Project.objects.get(name="Nieuw")
    assert project.slug == "nieuw-2"  # "nieuw" is the create page's own path
    assert response.status_code == 302 and response.url == _url("projects:detail", project)
    assert project.buurtcodes == ["BU00010001"] and project.postcodes == ["1234AB"]
    # Someone of a partner organisation cannot start a project.
    verified_client(UserFactory(username="uwv_x", organisation=uwv))
    assert client.get(reverse("projects:create")).status_code == 404
    assert client.post(reverse("projects:create"), {"name": "Stiekem"}).status_code == 404
    assert not Project.objects.filter(name="Stiekem").exists()


def test_update_project_error_beside_field(client, verified_client, project_a):
    verified_client(project_a.created_by)
    url = _url("projects:update", project_a)
    data = {
        "name": project_a.name,
        "problem_analysis": "x",
        "buurtcodes": "BU09830101",
        "postcodes": "",
        "period_start": "2026-06-01",
        "period_end": "2026-01-01",
        "peildatum": "",
        "retention_unselected_weeks": 4,
        "retention_selection_months": 24,
        "retention_after_close_weeks": 4,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["period_end"] == [services.PERIOD_INVALID]
    assert 'aria-invalid="true"' in response.content.decode()
    assert Project.objects.get(pk=project_a.pk).problem_analysis == project_a.problem_analysis
    data["period_end"] = "2026-12-31"
    assert client.post(url, data).status_code == 302
    assert Project.objects.get(pk=project_a.pk).problem_analysis == "x"


def _update_data(project, **changes):
    data = {
        "name": project.name,
        "problem_analysis": "x",
        "buurtcodes": "BU09830101",
        "postcodes": "",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "peildatum": "",
        "retention_unselected_weeks": 4,
        "retention_selection_months": 24,
        "retention_after_close_weeks": 4,
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("retention_after_close_weeks", "9" * 40, constants.RETENTION_AFTER_CLOSE_TOO_LONG),
        ("retention_after_close_weeks", 999999, constants.RETENTION_AFTER_CLOSE_TOO_LONG),
        ("retention_after_close_weeks", 53, constants.RETENTION_AFTER_CLOSE_TOO_LONG),
        ("retention_unselected_weeks", 27, constants.RETENTION_UNSELECTED_TOO_LONG),
        ("retention_unselected_weeks", "1" * 40, constants.RETENTION_UNSELECTED_TOO_LONG),
        ("retention_selection_months", 25, constants.RETENTION_SELECTION_TOO_LONG),
    ],
)
def test_retention_periods_are_bounded_beside_their_field(
    client, verified_client, project_a, field, value, message
):
    verified_client(project_a.created_by)
    url = _url("projects:update", project_a)
    response = client.post(url, _update_data(project_a, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert f'id="id_{field}-fout"' in response.content.decode()
    before = Project.objects.get(pk=project_a.pk)
    assert getattr(before, field) == getattr(project_a, field)
    # At the bound it is accepted.
    bound = {
        "retention_after_close_weeks": constants.RETENTION_AFTER_CLOSE_WEEKS_MAX,
        "retention_unselected_weeks": constants.RETENTION_UNSELECTED_WEEKS_MAX,
        "retention_selection_months": constants.RETENTION_SELECTION_MONTHS_MAX,
    }[field]
    assert client.post(url, _update_data(project_a, **{field: bound})).status_code == 302
    assert getattr(Project.objects.get(pk=project_a.pk), field) == bound


def test_the_model_bounds_retention_for_every_caller(project_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.project_update(
            actor=project_a.created_by,
            project=project_a,
            data={"retention_after_close_weeks": 999999, "retention_unselected_weeks": 27},
        )
    assert error.value.message_dict == {
        "retention_after_close_weeks": [constants.RETENTION_AFTER_CLOSE_TOO_LONG],
        "retention_unselected_weeks": [constants.RETENTION_UNSELECTED_TOO_LONG],
    }
    assert Project.objects.get(pk=project_a.pk).retention_after_close_weeks == 4


def test_a_model_validation_error_of_a_service_lands_beside_its_field(
    client, verified_client, project_a, monkeypatch
):
    """The mechanism, not one form: whatever full_clean() raises in a service called from a
    form becomes form errors — per field where the form has it, above the form otherwise."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    def full_clean_fails(**kwargs):
        raise ValidationError(
            {
                "name": ["Deze naam is al in gebruik."],
                "slug": ["Korte naam bestaat al."],
                NON_FIELD_ERRORS: ["Het project is niet geldig."],
            }
        )

    monkeypatch.setattr(services, "project_update", full_clean_fails)
    verified_client(project_a.created_by)
    response = client.post(_url("projects:update", project_a), _update_data(project_a))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["Deze naam is al in gebruik."]
    assert form.non_field_errors() == [
        "slug: Korte naam bestaat al.",
        "Het project is niet geldig.",
    ]
    body = response.content.decode()
    assert 'id="id_name-fout"' in body and 'id="form-fouten"' in body


def test_advance_refused_shows_reason_and_changes_nothing(client, verified_client, project_a):
    project = project_to_phase(project_a, Phase.COLLEGEBESLUIT)
    verified_client(project.created_by)
    response = client.post(_url("projects:advance", project), follow=True)
    expected = services.TRANSITION_GATE_CLOSED.format(
        naar=Phase.PROJECTPLAN.label, ontbreekt=gates.MISSING_COLLEGEBESLUIT
    )
    assert expected in [str(m) for m in response.context["messages"]]
    assert Project.objects.get(pk=project.pk).phase == Phase.COLLEGEBESLUIT
    assert PhaseTransition.objects.filter(project=project).count() == 1


def test_collegebesluit_then_advance(client, verified_client, project_a):
    project = project_to_phase(project_a, Phase.COLLEGEBESLUIT)
    verified_client(project.created_by)
    response = client.post(
        _url("projects:collegebesluit", project),
        {
            "date": "2026-01-15",
            "reference": "CB-7",
            "document": pdf_file("besluit.pdf"),
            "capacity_settled": "on",
            "data_permission": "on",
        },
    )
    assert response.status_code == 302
    besluit = Collegebesluit.objects.get(project=project)
    assert (
        besluit.document.name.startswith("projectdocumenten/")
        and "besluit" not in besluit.document.name
    )
    response = client.post(_url("projects:advance", project), follow=True)
    assert f"Het project is nu in fase '{Phase.PROJECTPLAN.label}'." in [
        str(m) for m in response.context["messages"]
    ]
    assert Project.objects.get(pk=project.pk).phase == Phase.PROJECTPLAN


PDF_SIZE_CAP = forms.PDF_MAX_BYTES


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("besluit.exe", b"%PDF-1.4 ...", forms.PDF_WRONG_EXTENSION),
        ("besluit.html", b"<html><script>alert(1)</script>", forms.PDF_WRONG_EXTENSION),
        ("besluit.pdf", b"MZ\x90\x00 renamed executable", forms.PDF_NOT_PDF),
        ("besluit.pdf", b"<svg xmlns='http://www.w3.org/2000/svg'/>", forms.PDF_NOT_PDF),
        ("besluit.pdf", b"", None),  # Django refuses an empty upload itself
        (
            "besluit.pdf",
            b"%PDF-" + b"0" * PDF_SIZE_CAP,
            forms.PDF_TOO_LARGE.format(mb=PDF_SIZE_CAP // 1024 // 1024),
        ),
    ],
    ids=["exe", "html", "renamed-exe", "svg", "empty", "too-large"],
)
def test_bad_uploads_are_refused(client, verified_client, project_a, name, content, message):
    verified_client(project_a.created_by)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(
        _url("projects:collegebesluit", project_a),
        {"date": "2026-01-15", "reference": "CB-7", "document": upload, "capacity_settled": "on"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["document"]
    if message:
        assert errors == [message]
    assert not Collegebesluit.objects.filter(project=project_a).exists()


def test_traversal_name_gets_a_server_generated_name(client, verified_client, project_a):
    verified_client(project_a.created_by)
    client.post(
        _url("projects:collegebesluit", project_a),
        {"date": "2026-01-15", "reference": "CB-8", "document": pdf_file("../../etc/passwd.pdf")},
    )
    besluit = Collegebesluit.objects.get(project=project_a)
    assert ".." not in besluit.document.name and "passwd" not in besluit.document.name


def test_document_download(client, verified_client, project_a, project_b, inspecteur_a):
    project = project_to_phase(project_a, Phase.PROJECTPLAN)
    besluit = project.collegebesluiten.get()
    url = _url("projects:document", project, kind="collegebesluit", pk=besluit.pk)
    verified_client(inspecteur_a)  # any member with the view permission
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # Unknown kind, another project's slug, a pk of another project: all 404.
    assert (
        client.get(_url("projects:document", project, kind="passwd", pk=besluit.pk)).status_code
        == 404
    )
    besluit_b = project_to_phase(project_b, Phase.PROJECTPLAN).collegebesluiten.get()
    assert (
        client.get(
            _url("projects:document", project, kind="collegebesluit", pk=besluit_b.pk)
        ).status_code
        == 404
    )
    verified_client(project_b.created_by)
    assert client.get(url).status_code == 404


def test_voorstel_plan_and_acknowledgement(client, verified_client, project_a, inspecteur_a):
    project = project_to_phase(project_a, Phase.PROJECTPLAN)
    verified_client(project.created_by)
    response = client.post(
        _url("projects:voorstel", project),
        {"submitted_on": "2026-01-20", "lsi_instemming_date": "2026-02-01"},
    )
    assert response.context["form"].errors["lsi_instemming_reference"] == [
        services.INSTEMMING_INCOMPLETE
    ]
    plan_data = {
        "goals": "Doelen",
        "approach": "Aanpak",
        "indicators_rationale": "Indicatoren",
        "data_per_partner": "BAG",
        "planning": "Q3",
        "communication": "Brief",
        "retention": "4 weken",
    }
    assert client.post(_url("projects:plan_create", project), plan_data).status_code == 302
    response = client.post(_url("projects:plan_adopt", project, version=1), follow=True)
    assert services.PLAN_NEEDS_INSTEMMING in [str(m) for m in response.context["messages"]]
    assert (
        client.post(
            _url("projects:voorstel", project),
            {
                "submitted_on": "2026-01-20",
                "lsi_instemming_date": "2026-02-01",
                "lsi_instemming_reference": "LSI-9",
                "document": pdf_file(),
            },
        ).status_code
        == 302
    )
    assert client.post(_url("projects:plan_adopt", project, version=1)).status_code == 302
    plan = project.plan_versions.get(version=1)
    assert plan.adopted_at is not None
    # The next version starts from the last one's text.
    assert (
        client.get(_url("projects:plan_create", project)).context["form"].initial["goals"]
        == "Doelen"
    )
    # A partner (UWV) acknowledges from the project page.
    verified_client(inspecteur_a)
    page = client.get(_url("projects:detail", project))
    assert page.context["plan_to_acknowledge"] == plan
    assert client.post(_url("projects:plan_acknowledge", project, version=1)).status_code == 302
    assert list(plan.acknowledgements.values_list("organisation__name", flat=True)) == ["UWV"]
    assert client.get(_url("projects:detail", project)).context["plan_to_acknowledge"] is None


def test_dpia_form(client, verified_client, project_a):
    project = project_to_phase(project_a, Phase.PARTNERS)
    verified_client(project.created_by)
    response = client.post(
        _url("projects:dpia", project), {"vastgesteld": "on", "reference": "D-1"}
    )
    assert response.context["form"].errors["date"] == [services.DPIA_VASTGESTELD_NEEDS_DATE]
    assert not hasattr(Project.objects.get(pk=project.pk), "dpia") or not project.dpia.vastgesteld
    response = client.post(
        _url("projects:dpia", project),
        {"vastgesteld": "on", "reference": "D-1", "date": "2026-02-10"},
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).dpia.date == date(2026, 2, 10)
    assert services.project_missing_for_next_phase(Project.objects.get(pk=project.pk)) == []


def test_next_phase_button_is_secondary_and_each_missing_item_links_to_its_page(
    client, verified_client, project_a, analist_a
):
    """Issue 9 item 6: while the page lists what is missing, 'Naar volgende fase' is a
    secondary button, and each missing item links to the page where it is done — for whoever
    may open that page (others read it without a link)."""
    project = project_a  # initiatie: nothing of collegebesluit yet
    leader = project.created_by
    verified_client(leader)
    project = services.project_advance(actor=leader, project=project)  # → collegebesluit
    body = client.get(_url("projects:detail", project)).content.decode()
    button = body[
        body.index('id="naar-volgende-fase"') - 120 : body.index('id="naar-volgende-fase"')
    ]
    assert "utrecht-button--secondary-action" in button
    assert "utrecht-button--primary-action" not in button
    collegebesluit = _url("projects:collegebesluit", project)
    link = f'<a class="utrecht-link wk-touch" href="{collegebesluit}">'
    assert f"{link}{gates.MISSING_COLLEGEBESLUIT}</a>" in body

    # Every text a gate finds missing names its page, and that page opens for the projectleider.
    for item in (
        gates.MISSING_NAME,
        gates.MISSING_COLLEGEBESLUIT,
        gates.MISSING_PROJECTVOORSTEL,
        gates.MISSING_ADOPTED_PLAN,
        gates.MISSING_MUNICIPALITY_CONVENANT,
        gates.MISSING_OTHER_PARTNER,
        gates.MISSING_DPIA,
    ):
        assert item.url_name, item
        assert client.get(_url(item.url_name, project)).status_code == 200, item.url_name

    # The analist may not open the collegebesluit page: the item is text, not a link.
    client.logout()
    verified_client(analist_a)
    body = client.get(_url("projects:detail", project)).content.decode()
    assert gates.MISSING_COLLEGEBESLUIT in body and f'href="{collegebesluit}"' not in body


def test_next_phase_button_is_primary_when_nothing_is_missing(client, verified_client, project_a):
    from datetime import date as day

    project = project_to_phase(project_a, Phase.PARTNERS)
    leader = project.created_by
    services.dpia_save(
        actor=leader, project=project, vastgesteld=True, date=day(2026, 2, 10), reference="DPIA-1"
    )
    verified_client(leader)
    body = client.get(_url("projects:detail", project)).content.decode()
    button = body[
        body.index('id="naar-volgende-fase"') - 120 : body.index('id="naar-volgende-fase"')
    ]
    assert "utrecht-button--primary-action" in button
