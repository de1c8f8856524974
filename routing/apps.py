from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from routing import feed, notifications  # noqa: F401 - the "routed" notification kind
        from tickets.feed.registry import Subscriber, register_subscriber

        # Replayed history too: it is routed at its own times, and notifies no one.
        register_subscriber(
            Subscriber(
                name=feed.FEED_SUBSCRIBER,
                handle=feed.handle_change,
                accepts=feed.accepts_change,
                replay=True,
                own_automation=feed.OWN_AUTOMATION,
            )
        )
