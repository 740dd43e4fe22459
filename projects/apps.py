from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projecten"

    def ready(self) -> None:
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register

        from . import api_demo, demo

        demo_builder_register(DemoBuilder("projects.demo.build", demo.build, demo.summary))
        # The REST API's demo client (issue 14), right after the people and projects.
        demo_builder_register(
            DemoBuilder("projects.api_demo.build", api_demo.build, api_demo.summary)
        )
