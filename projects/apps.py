from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projecten"

    def ready(self) -> None:
        from wijkaanpak.core.demo import DemoBuilder, demo_builder_register

        from . import demo

        demo_builder_register(DemoBuilder("projects.demo.build", demo.build, demo.summary))
