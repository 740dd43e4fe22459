"""Partner, convenant and role pages: without JavaScript (post/redirect/get) and with htmx."""

from django.urls import reverse

import pytest
from guardian.shortcuts import get_perms

from partners import services as partner_services
from partners.models import Convenant
from projects import services
from projects.constants import ROLE_PERMISSIONS, Role
from projects.models import ProjectRole
from projects.services import PARTNER_MUNICIPALITY_STAYS
from tests.factories import OrganisationFactory, UserFactory, pdf_file
from wijkaanpak.core.models import Event

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, project, **kwargs):
    return reverse(name, kwargs={"slug": project.slug, **kwargs})


def test_partner_add_and_remove_without_js(client, verified_client, project_a, inspecteur_a, uwv):
    corporatie = OrganisationFactory(name="Woonstichting A", kind="woningcorporatie")
    verified_client(project_a.created_by)
    response = client.post(
        _url("projects:project_partners", project_a), {"organisation": corporatie.pk}
    )
    assert response.status_code == 302 and response.url == _url(
        "projects:project_partners", project_a
    )
    assert project_a.partners.active().filter(organisation=corporatie).exists()
    # Already a partner: the form no longer offers it, so the choice is invalid, beside the field.
    response = client.post(
        _url("projects:project_partners", project_a), {"organisation": corporatie.pk}
    )
    assert response.status_code == 400 and "organisation" in response.context["form"].errors

    partner = project_a.partners.active().get(organisation=uwv)
    response = client.post(
        _url("projects:partner_remove", project_a, pk=partner.pk), {"reason": "gestopt"}
    )
    assert response.status_code == 302
    assert get_perms(inspecteur_a, project_a) == []
    municipality = project_a.partners.get(organisation=project_a.municipality)
    response = client.post(
        _url("projects:partner_remove", project_a, pk=municipality.pk), follow=True
    )
    assert PARTNER_MUNICIPALITY_STAYS in [str(m) for m in response.context["messages"]]
    # A removed partner cannot be removed again: 404.
    assert client.post(_url("projects:partner_remove", project_a, pk=partner.pk)).status_code == 404


def test_partner_add_with_htmx_returns_the_section(client, verified_client, project_a):
    svb = OrganisationFactory(name="SVB", kind="svb")
    verified_client(project_a.created_by)
    response = client.post(
        _url("projects:project_partners", project_a), {"organisation": svb.pk}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="partner-sectie"') and "<html" not in body
    assert "SVB neemt nu deel aan het project" in body
    assert "Geen geldig convenant" in body  # SVB has no convenant yet


def test_convenant_registration(client, verified_client, project_a):
    corporatie = OrganisationFactory(name="Woonstichting B", kind="woningcorporatie")
    from projects.services import project_partner_add

    project_partner_add(actor=project_a.created_by, project=project_a, organisation=corporatie)
    verified_client(project_a.created_by)
    url = _url("projects:convenant_create", project_a)
    assert (
        client.get(url + f"?organisatie={corporatie.pk}").context["form"].initial["organisation"]
        == corporatie.pk
    )
    data = {
        "organisation": corporatie.pk,
        "kind": "lsi",
        "reference": "AC-9",
        "valid_from": "2025-01-01",
        "document": pdf_file(),
    }
    response = client.post(url, data)
    assert response.context["form"].errors["kind"] == [
        partner_services.CONVENANT_LSI_NOT_PARTY.format(organisatie=corporatie)
    ]
    data.update(kind="aanvullend", document=pdf_file())
    response = client.post(url, {**data, "document": ""})
    assert "document" in response.context["form"].errors  # the signed document is required
    assert not Convenant.objects.filter(organisation=corporatie).exists()
    response = client.post(url, {**data, "document": pdf_file()})
    assert response.status_code == 302
    convenant = Convenant.objects.get(organisation=corporatie)
    assert convenant.project == project_a and convenant.document.name.startswith("convenanten/")


def test_role_grant_and_end_with_and_without_htmx(client, verified_client, project_a, uwv):
    person = UserFactory(username="nieuw_uwv", organisation=uwv)
    verified_client(project_a.created_by)
    url = _url("projects:project_roles", project_a)
    assert person in client.get(url).context["form"].fields["person"].queryset
    events = Event.objects.filter(kind="role_granted").count()

    response = client.post(url, {"person": person.pk, "role": Role.INSPECTEUR}, **HTMX)
    assert response.status_code == 200 and 'id="rollen-sectie"' in response.content.decode()
    assert set(get_perms(person, project_a)) == {p.value for p in ROLE_PERMISSIONS[Role.INSPECTEUR]}
    assert Event.objects.filter(kind="role_granted").count() == events + 1

    response = client.post(url, {"person": person.pk, "role": Role.INSPECTEUR})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        services.ROLE_ALREADY_ACTIVE.format(persoon=person)
    ]
    response = client.post(url, {"person": person.pk, "role": Role.ADVISEUR})
    assert response.context["form"].non_field_errors() == [services.ROLE_ADVISEUR_ONLY_VNG]

    role = ProjectRole.objects.active().get(person=person)
    response = client.post(_url("projects:role_end", project_a, pk=role.pk))
    assert response.status_code == 302 and response.url == url
    assert get_perms(person, project_a) == []
    assert client.post(_url("projects:role_end", project_a, pk=role.pk)).status_code == 404


def test_role_of_another_project_is_404(client, verified_client, project_a, project_b):
    role_b = ProjectRole.objects.get(project=project_b)
    verified_client(project_a.created_by)
    assert client.post(_url("projects:role_end", project_a, pk=role_b.pk)).status_code == 404
    assert ProjectRole.objects.get(pk=role_b.pk).ended_at is None
