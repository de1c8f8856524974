from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from sla import feed, tasks  # noqa: F401 - register the tasks in every process
        from sla import routing_conditions  # noqa: F401 - "inside business hours" for routing rules
        from tickets.feed.registry import Subscriber, register_subscriber

        # Replayed history too: SLA computes deadlines from the events' own times (it notifies no one).
        register_subscriber(
            Subscriber(name=feed.FEED_SUBSCRIBER, handle=feed.handle_change, accepts=feed.accepts_change, replay=True)
        )
