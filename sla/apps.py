from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from sla import feed, tasks  # noqa: F401 - register the tasks in every process
        from tickets.feed.registry import Subscriber, register_subscriber

        # Replayed history too: SLA computes deadlines from the events' own times (it notifies no one).
        register_subscriber(
            Subscriber(name=feed.FEED_SUBSCRIBER, handle=feed.handle_change, accepts=feed.accepts_change, replay=True)
        )
        # Auto-resolve and auto-close (sla.automation): the status clocks' subscriber, the job's task, the
        # settings service (imported here so the audit registry knows it).
        from sla.automation import feed as automation_feed
        from sla.automation import rules as automation_rules  # noqa: F401 - the settings service
        from sla.automation import tasks as automation_tasks  # noqa: F401 - the periodic task

        register_subscriber(
            Subscriber(
                name=automation_feed.FEED_SUBSCRIBER,
                handle=automation_feed.handle_change,
                accepts=automation_feed.accepts_change,
                replay=True,
            )
        )
