"""What routing adds to the settings index and to tenancy's availability switch (see tenancy/hooks.py)."""

from __future__ import annotations

from routing.availability.services import availability_changed  # noqa: F401 - tenancy's set_availability hook
from tenancy.settings_pages import SettingsSection

# --- Assignment and availability ---------------------------------------------------------------------------------
ASSIGNMENT_SECTIONS = (
    SettingsSection(
        "Assignment and availability",
        "desk:routing_availability",
        "When agents count as away, when an absent agent's tickets return to the queue, who is online now",
        "Automation",
    ),
)

SETTINGS_SECTIONS = ASSIGNMENT_SECTIONS
