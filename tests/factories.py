"""factory_boy factories. State is reached through services, never by hand-set workflow fields."""

from datetime import date

import factory
from factory.django import DjangoModelFactory

from partners.models import Convenant, Organisation, User


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = "overig"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"persoon{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.nl")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("correct-horse-battery-staple")


class ConvenantFactory(DjangoModelFactory):
    class Meta:
        model = Convenant

    organisation = factory.SubFactory(OrganisationFactory)
    kind = "lsi"
    reference = factory.Sequence(lambda n: f"CONV-{n:04d}")
    valid_from = date(2024, 1, 1)
    valid_until = None


class ProjectFactory(factory.Factory):
    """Creates a project through `project_create` (the creator becomes projectleider).

    `partners=[org, ...]` adds partner organisations through the service as well.
    """

    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"Wijkaanpak Proefwijk {n}")
    created_by = factory.SubFactory(UserFactory)
    problem_analysis = "Veel signalen van overbewoning en adresfraude."
    buurtcodes = factory.LazyFunction(lambda: ["BU09830101"])
    postcodes: list = []
    period_start = date(2026, 1, 1)
    period_end = date(2026, 12, 31)
    peildatum = date(2026, 10, 1)
    partners: list = []

    @classmethod
    def _create(cls, model_class, *, created_by, partners, **fields):
        from projects.services import project_create, project_partner_add

        project = project_create(actor=created_by, **fields)
        for organisation in partners:
            project_partner_add(actor=created_by, project=project, organisation=organisation)
        return project
