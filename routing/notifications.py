"""Routing's notification kind: a rule that says "notify" reaches the person or team named in it."""

from tickets import notification_kinds

ROUTED = notification_kinds.register(
    notification_kinds.NotificationKind(
        key="routed",
        label="A routing rule sends a ticket my way",
        help_text="When a rule names you or your team to be told about a new ticket.",
        badge="Routed to you",
        subject="{actor} routed {ref} to you",
        subject_without_actor="{ref} was routed to you by a rule",
    )
)
