from django.views.generic import ListView

from .selectors import project_list_for_user


class ProjectListView(ListView):
    template_name = "projects/project_list.html"
    context_object_name = "projects"

    def get_queryset(self):
        return project_list_for_user(user=self.request.user)
