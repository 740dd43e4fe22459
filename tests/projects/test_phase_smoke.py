import pytest

from projects.constants import Phase
from tests.factories import project_to_phase

pytestmark = pytest.mark.django_db


def test_project_reaches_data_uitvraag_through_services(project_a):
    project = project_to_phase(project_a, Phase.DATA_UITVRAAG)
    assert project.phase == Phase.DATA_UITVRAAG
    assert [t.to_phase for t in project.transitions.all()] == [
        "collegebesluit",
        "projectplan",
        "partners",
        "data_uitvraag",
    ]
