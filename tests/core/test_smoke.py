import pytest

from projects.constants import ProjectPerm
from projects.selectors import project_list_for_user, user_has_project_perm

pytestmark = pytest.mark.django_db


def test_creator_becomes_projectleider_and_others_see_nothing(
    project_a, project_b, projectleider_a, projectleider_b
):
    assert list(project_list_for_user(user=projectleider_a)) == [project_a]
    assert list(project_list_for_user(user=projectleider_b)) == [project_b]
    assert user_has_project_perm(user=projectleider_a, project=project_a, perm=ProjectPerm.MANAGE)
    assert not user_has_project_perm(user=projectleider_a, project=project_b, perm=ProjectPerm.VIEW)
