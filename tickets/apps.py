from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from tenancy.outbox import one_waiting
        from tickets import (
            checks,  # noqa: F401 - register the deployment checks
            picklists,
            tasks,  # noqa: F401 - register the tasks in every process, so eager mode finds them
        )
        from tickets.feed import tasks as feed_tasks  # noqa: F401 - the change feed's drain and sweep
        from tickets.feed.recording import DRAIN_TASK
        from tickets.feed.registry import Subscriber, register_subscriber
        from tickets.services import webhooks
        from tickets.webhooks import tasks as webhook_tasks  # noqa: F401 - the delivery task, registered likewise

        # One drain waiting per tenant is enough: it takes every entry committed before it starts.
        one_waiting(DRAIN_TASK)

        # The change feed's subscribers that tickets owns; routing, SLA and reporting register theirs likewise.
        register_subscriber(
            Subscriber(
                name=webhooks.FEED_SUBSCRIBER,
                handle=webhooks.queue_change_events,
                accepts=webhooks.accepts_change,
                batch=webhooks.batch_webhooks,
            )
        )
        picklists.connect()
        from tickets import message_fragments

        message_fragments.connect()
        from tickets import timeline_html

        timeline_html.connect()
        from tickets.custom_fields import definitions as custom_field_definitions

        custom_field_definitions.connect()
