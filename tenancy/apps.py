from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from tenancy import checks, hosts, tasks  # noqa: F401 - registers the system checks and the tasks
        from tenancy.grants import grant_application_roles

        hosts.connect()

        post_migrate.connect(grant_application_roles, sender=self)
