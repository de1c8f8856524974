"""What parsing one mail yields: the message and its attachments."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime

MAX_HEADER_CHARS = 10_000
# A real From is a name and one address; longer ones are not given to the header registry, whose parser slows
# down sharply on long hostile input (a few thousand dots take half a second).
MAX_FROM_CHARS = 1_000
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_BLOCK_END = re.compile(r"<(?:br\s*/?|/p|/div|/li|/tr|/h[1-6]|/blockquote|/pre|hr\s*/?)\b[^>]*>", re.IGNORECASE)
_BLOCK_START = re.compile(r"<(?:p|div|li|tr|h[1-6]|blockquote|pre)\b[^>]*>", re.IGNORECASE)
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
AUTO_PRECEDENCE = ("bulk", "list", "junk")


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content: bytes
    content_type: str
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedEmail:
    """What the intake reads of one message. Addresses are lower-cased; ids are without angle brackets."""

    from_address: str = ""
    from_name: str = ""
    # More than one From header, or more than one address in it: no receiver's verdict can be tied to one author.
    from_ambiguous: bool = False
    # "sender" or "reply-to" when the mail had no usable From and the address was taken from that header: it
    # may open a new ticket, never join a conversation, and is never acknowledged (that would be backscatter).
    from_fallback: str = ""
    # The topmost Authentication-Results header as received (unfolded, not RFC 2047-decoded): the one the
    # receiving host added; any below it may have been written by the sender.
    authentication_results: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    thread_index: str = ""
    auto_submitted: str = ""
    precedence: str = ""
    is_autoreply_header: bool = False
    has_list_id: bool = False
    content_type: str = ""
    report_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # first value of each header, decoded, lower-case keys
    text: str = ""  # the best body as plain text, untrimmed
    html: str = ""  # sanitised HTML when the best body was HTML, else ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    # From a delivery report: the Message-ID of the mail that bounced and the status code ("5.1.1").
    bounced_message_ids: list[str] = field(default_factory=list)
    bounce_status: str = ""
    defects: list[str] = field(default_factory=list)
    # The Date header when it is believable (aware, after 1990, not in the future): an import lands there.
    date: datetime | None = None
    # SHA-256 of what makes the message itself (From, Subject, Date and the body as sent), not of what servers
    # add on the way: the same message delivered twice has the same digest, another one reusing its
    # Message-ID (broken mailers do that) has not.
    content_digest: str = ""

    @property
    def is_malformed(self) -> bool:
        return bool(self.defects)

    @property
    def recipients(self) -> list[str]:
        return list(dict.fromkeys([*self.to, *self.cc]))

    @property
    def is_automatic(self) -> bool:
        """Sent by a machine (auto-reply, list, bulk): never acknowledged, so two robots cannot loop."""
        return (
            (self.auto_submitted != "" and self.auto_submitted != "no")
            or self.precedence in AUTO_PRECEDENCE
            or self.is_autoreply_header
            or self.has_list_id
        )

    @property
    def is_bounce(self) -> bool:
        local = self.from_address.partition("@")[0]
        return (
            local in BOUNCE_SENDERS
            or (self.content_type == "multipart/report" and self.report_type == "delivery-status")
            or (not self.from_address and self.bounce_status != "")
        )

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, the most specific first (In-Reply-To, then References newest first)."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))

    @property
    def thread_index_root(self) -> str:
        """The conversation part of Outlook's Thread-Index (its first 22 bytes), hex; "" when absent or bad."""
        if not self.thread_index:
            return ""
        try:
            raw = base64.b64decode(self.thread_index.strip(), validate=False)
        except (binascii.Error, ValueError):
            return ""
        return raw[:22].hex() if len(raw) >= 22 else ""


def _defect_name(defect) -> str:
    return type(defect).__name__ if not isinstance(defect, str) else defect
