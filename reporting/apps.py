from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        from reporting.exports import tasks  # noqa: F401 - register the export task in every process
        from reporting.facts import feed
        from tickets.feed.registry import Subscriber, register_subscriber

        # Replayed history too: imported tickets' resolutions count in the reports like any other.
        register_subscriber(
            Subscriber(
                name=feed.FEED_SUBSCRIBER,
                handle=feed.handle_change,
                accepts=feed.accepts_change,
                replay=True,
                batch=feed.batch,
            )
        )
