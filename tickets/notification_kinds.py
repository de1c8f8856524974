"""The notification kinds, declared once: what each is called, how its mail reads, whether it is mailed by default.

A member's email preferences are stored per kind key (NotificationSetting.email), so a kind an app registers here
(SLA's warnings, routing's) reaches the preferences page, the mail and the bell without a migration. Apps register
their kinds at import of their AppConfig's `ready()`; the four below belong to the tickets app. Notifying or
storing a preference for a kind nobody registered raises UnknownNotificationKind: a typo must not silently mail
nobody. The in-app notification always shows; only its mail is a preference.
"""

from __future__ import annotations

from dataclasses import dataclass


class UnknownNotificationKind(LookupError):
    def __init__(self, key: str) -> None:
        super().__init__(f"No notification kind {key!r} is registered (tickets.notification_kinds.register).")
        self.key = key


@dataclass(frozen=True, kw_only=True)
class NotificationKind:
    key: str
    # The preferences page's sentence after "Email me when", and its help text.
    label: str
    help_text: str = ""
    # The short badge on the notification list.
    badge: str
    # Mail subjects; {ref} is the ticket reference, {actor} the member who caused it (the second form is used when
    # a customer or an automation did).
    subject: str
    subject_without_actor: str
    # Whether a member who never saved a preference for this kind gets it by email.
    email_default: bool = True


_KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    """Declare a kind (once: a second declaration of the same key is a mistake that would hide the first)."""
    if not kind.key.isidentifier() or len(kind.key) > 20:
        # The key is stored in Notification.kind (20 characters) and names a form field.
        raise ValueError(f"Notification kind key {kind.key!r} must be an identifier of at most 20 characters.")
    if kind.key in _KINDS and _KINDS[kind.key] != kind:
        raise ValueError(f"Notification kind {kind.key!r} is already registered.")
    _KINDS[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    """Remove a kind (for tests that register their own)."""
    _KINDS.pop(key, None)


def get(key: str) -> NotificationKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise UnknownNotificationKind(key) from None


def all_kinds() -> list[NotificationKind]:
    """Every registered kind, in the order of registration (the preferences page's order)."""
    return list(_KINDS.values())


ASSIGNED = register(
    NotificationKind(
        key="assigned",
        label="A ticket is assigned to me",
        help_text="By a colleague or a routing rule; never when you claim one yourself.",
        badge="Assigned to you",
        subject="{actor} assigned {ref} to you",
        subject_without_actor="{ref} was assigned to you",
    )
)
MENTION = register(
    NotificationKind(
        key="mention",
        label="Someone mentions me in an internal note",
        badge="Mentioned you",
        subject="{actor} mentioned you on {ref}",
        subject_without_actor="You were mentioned on {ref}",
    )
)
CUSTOMER_REPLY = register(
    NotificationKind(
        key="customer_reply",
        label="The customer replies on my ticket",
        badge="Customer replied",
        subject="The customer replied on {ref}",
        subject_without_actor="The customer replied on {ref}",
    )
)
REOPENED = register(
    NotificationKind(
        key="reopened",
        label="My ticket is reopened",
        badge="Ticket reopened",
        subject="{actor} reopened {ref}",
        subject_without_actor="{ref} was reopened",
    )
)
