from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        # The ticket's timeline records an article put into a reply (tickets.event_kinds: other apps declare
        # their kinds here, in ready()).
        from tickets.event_kinds import register_kind

        register_kind(
            "kb_article_linked",
            describe=lambda e, name: (
                f"put knowledge-base article #{e.new_value} into a reply"
                + (" (its text)" if e.field == "text" else " (a link)")
            ),
        )

        # A request filed from the portal ends its browser's open deflections (kb.feed).
        from kb import feed, tasks  # noqa: F401 - tasks: register the periodic job in every process
        from tickets.feed.registry import Subscriber, register_subscriber

        register_subscriber(
            Subscriber(
                name=feed.FEED_SUBSCRIBER, handle=feed.handle_change, accepts=feed.accepts_change, batch=feed.batch
            )
        )
