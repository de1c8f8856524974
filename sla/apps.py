from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from sla import (  # noqa: F401 - tasks, notification kinds, services
            alerts,
            feed,
            ladder_services,
            routing_conditions,
            tasks,
        )
        from sla.at_risk import risk_annotation
        from tickets.event_kinds import register_kind
        from tickets.feed.registry import Subscriber, register_subscriber
        from tickets.selectors import LIST_ANNOTATIONS

        # Replayed history too: SLA computes deadlines from the events' own times (it notifies no one).
        register_subscriber(
            Subscriber(
                name=feed.FEED_SUBSCRIBER,
                handle=feed.handle_change,
                accepts=feed.accepts_change,
                replay=True,
                batch=feed.batch,
            )
        )
        # The sweep's events (sla.sweep), at their true times; the field names the target kind.
        register_kind("sla_warning", describe=lambda e, name: f"SLA warning: {_kind(e)} is at risk")
        register_kind("sla_breached", describe=lambda e, name: f"SLA breached: {_kind(e)} missed its deadline")
        register_kind("sla_escalated", describe=lambda e, name: f"ran an SLA escalation step for {_kind(e)}")
        # The queue rows' at-risk flag, in the list's one query.
        LIST_ANNOTATIONS["sla"] = risk_annotation
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
                batch=automation_feed.batch,
            )
        )


def _kind(event) -> str:
    from sla.models import TargetKind

    try:
        return str(TargetKind(event.field).label).lower()
    except ValueError:
        return event.field or "a target"
