from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from tickets import (
            checks,  # noqa: F401 - register the deployment checks
            picklists,
            tasks,  # noqa: F401 - register the tasks in every process, so eager mode finds them
        )
        from tickets.signals import ticket_changed
        from tickets.webhooks import receivers
        from tickets.webhooks import tasks as webhook_tasks  # noqa: F401 - the delivery task, registered likewise

        ticket_changed.connect(receivers.queue_webhook_deliveries, dispatch_uid="tickets.webhooks")
        picklists.connect()
