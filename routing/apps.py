from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        self._ready_rules()
        self._ready_assignment()

    @staticmethod
    def _ready_rules() -> None:
        """Rules: the change-feed subscriber that triages tickets, and the "routed" notification kind."""
        from routing import feed, notifications  # noqa: F401 - the "routed" notification kind
        from routing.batch import reading_together
        from tickets.feed.registry import Subscriber, register_subscriber

        # Replayed history too: it is routed at its own times, and notifies no one.
        register_subscriber(
            Subscriber(
                name=feed.FEED_SUBSCRIBER,
                handle=feed.handle_change,
                accepts=feed.accepts_change,
                replay=True,
                own_automation=feed.OWN_AUTOMATION,
                batch=reading_together,
            )
        )

    @staticmethod
    def _ready_assignment() -> None:
        """Assignment: the rule engine's hand-off, sign-in availability, the capacity feed subscriber, the tasks."""
        from django.contrib.auth.signals import user_logged_in

        from routing import assignment_feed
        from routing.assignment import tasks as assignment_tasks  # noqa: F401 - register the tasks
        from routing.assignment.receivers import on_rules_applied
        from routing.availability import settings as availability_settings  # noqa: F401 - its settings service
        from routing.availability import tasks as availability_tasks  # noqa: F401 - register the tasks
        from routing.availability.services import go_online_on_sign_in
        from routing.signals import rules_applied
        from tickets.feed.registry import Subscriber, register_subscriber

        rules_applied.connect(on_rules_applied, dispatch_uid="routing.assignment")
        user_logged_in.connect(go_online_on_sign_in, dispatch_uid="routing.availability.sign_in")
        register_subscriber(
            Subscriber(
                name=assignment_feed.FEED_SUBSCRIBER,
                handle=assignment_feed.handle_change,
                accepts=assignment_feed.accepts_change,
                own_automation=assignment_feed.OWN_AUTOMATION,
            )
        )
