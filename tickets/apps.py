from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from tickets import tasks  # noqa: F401 - register the tasks in every process, so eager mode finds them
