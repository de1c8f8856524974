"""The one way a moment reads (tenancy.times): relative labels at their boundaries, exact labels with their zone,
whose zone a person sees, and the page where they choose it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone

from tenancy import services, times
from tenancy.models import User
from tests.conftest import host_client

NOW = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)
s, m, h, d = (timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1))


# --- Relative: one rule set ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "label"),
    [
        (timedelta(0), "just now"),
        (59 * s, "just now"),
        (-59 * s, "just now"),  # a clock a little ahead is not "in 59 s"
        (m, "1 min ago"),
        (119 * s, "1 min ago"),  # truncated, never rounded up
        (59 * m + 59 * s, "59 min ago"),
        (h, "1 h ago"),
        (23 * h + 59 * m, "23 h ago"),
        (d, "1 d ago"),
        (6 * d, "6 d ago"),
        (7 * d, "1 wk ago"),
        (30 * d, "1 mo ago"),
        (365 * d, "1 y ago"),
        (-5 * m, "in 5 min"),
        (-3 * h, "in 3 h"),
    ],
)
def test_relative_label_reads_the_largest_whole_unit(offset, label):
    # given a moment `offset` before a fixed now (negative: after it)
    moment = NOW - offset
    # when it is written relative to now
    # then it reads one way
    assert times.relative_label(moment, NOW) == label


@pytest.mark.parametrize(
    ("offset", "label", "overdue"),
    [
        (3 * h, "in 3 h", False),
        (5 * m, "in 5 min", False),
        (m, "in 1 min", False),
        (59 * s, "due now", False),
        (timedelta(0), "due now", False),
        (-59 * s, "due now", False),
        (-m, "1 min overdue", True),
        (-2 * d, "2 d overdue", True),
    ],
)
def test_due_label_says_how_soon_or_how_overdue(offset, label, overdue):
    # given a deadline `offset` after a fixed now (negative: passed)
    deadline = NOW + offset
    # when it is written relative to now
    # then it says how soon, or how long overdue, and whether it is
    assert times.due_label(deadline, NOW) == (label, overdue)


# --- Exact: in a zone, with its abbreviation ----------------------------------------------------------------------


def test_exact_label_names_the_zone_in_winter_and_summer():
    # given a winter and a summer afternoon, 17:00 UTC
    summer = datetime(2026, 7, 15, 17, 0, tzinfo=UTC)
    berlin = times.zone_for(tenant=type("T", (), {"timezone": "Europe/Berlin"})())
    # when each is written for Berlin
    # then the offset and the abbreviation follow daylight saving time
    assert times.exact_label(NOW, berlin) == "15 Jan 2026, 18:00 CET"
    assert times.exact_label(summer, berlin) == "15 Jul 2026, 19:00 CEST"


def test_exact_label_uses_the_active_zone_without_one_given():
    # given New York activated (as the middleware or a mail's override does)
    # when a moment is written without a zone
    with timezone.override("America/New_York"):
        label = times.exact_label(NOW)
    # then it is New York's
    assert label == "15 Jan 2026, 12:00 EST"


def test_zone_is_the_users_else_the_tenants_else_utc():
    # given a Berlin tenant, a user with New York, a user without a zone, a zone the tz database no longer knows
    tenant = type("T", (), {"timezone": "Europe/Berlin"})()
    # when each is asked for
    # then a person's own zone wins, then the tenant's, then UTC (never an error)
    assert times.zone_name_for(user=User(timezone="America/New_York"), tenant=tenant) == "America/New_York"
    assert times.zone_name_for(user=User(timezone=""), tenant=tenant) == "Europe/Berlin"
    assert times.zone_name_for(user=None, tenant=None) == "UTC"
    assert times.exact_label(NOW, times.zone_for(user=User(timezone="Mars/Olympus"))) == "15 Jan 2026, 17:00 UTC"


def test_filters_write_a_time_element_with_the_exact_time_on_hover():
    # given the template filters, New York active, and moments around the real now
    now = timezone.now()
    template = Template("{{ past|when }}|{{ deadline|due }}|{{ late|due }}|{{ past|exact }}|{{ none|when }}")
    context = Context({"past": now - 5 * m - s, "deadline": now + 3 * h + m, "late": now - 2 * d - m, "none": None})
    # when they render
    with timezone.override("America/New_York"):
        html = template.render(context)
        exact = times.exact_label(now - 5 * m - s)
    # then each is a <time> with the instant, the exact time in the active zone as its title, and one wording
    past, deadline, late, plain, nothing = html.split("|")
    assert past == f'<time datetime="{(now - 5 * m - s).isoformat()}" title="{exact}">5 min ago</time>'
    assert deadline.endswith(">in 3 h</time>") and "is-overdue" not in deadline
    assert late.endswith(' class="is-overdue">2 d overdue</time>')
    assert plain == exact and exact.endswith(("EST", "EDT"))
    assert nothing == ""


# --- Choosing one's own zone ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_time_zone_page_saves_a_known_zone_and_clears_it(tenant, agent):
    # given a signed-in agent
    client = host_client(tenant, agent)
    # when they choose New York, then go back to the help desk's zone
    chosen = client.post("/accounts/time-zone/", {"timezone": "America/New_York"})
    saved = User.objects.get(pk=agent.user_id).timezone
    cleared = client.post("/accounts/time-zone/", {"timezone": ""}, follow=True)
    # then each is saved and said
    assert chosen.status_code == 302 and saved == "America/New_York"
    assert User.objects.get(pk=agent.user_id).timezone == ""
    assert "Times are now shown in the help desk&#x27;s own zone (UTC)." in cleared.text


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Mars/Olympus", "localtime", "Europe/Berlin; DROP TABLE", "x" * 300])
def test_time_zone_page_refuses_an_unknown_zone_with_a_clear_message(tenant, customer, typed):
    # given a signed-in customer with a zone of their own
    User.objects.filter(pk=customer.user_id).update(timezone="Europe/Paris")
    client = host_client(tenant, customer)
    # when they send a zone that is not one of the list's
    response = client.post("/accounts/time-zone/", {"timezone": typed})
    # then it is refused with a message that says what to do, and their zone stays
    assert response.status_code == 400
    assert "is not a time zone we know" in response.text or "at most 64 characters" in response.text
    assert User.objects.get(pk=customer.user_id).timezone == "Europe/Paris"


@pytest.mark.django_db
def test_set_time_zone_refuses_what_the_form_would(tenant, agent):
    # given the service called directly (a script, a future API)
    # when it is handed a zone that is not a choosable one
    # then it refuses it with the same message
    with pytest.raises(ValidationError, match="is not a time zone we know"):
        services.set_time_zone(user=agent.user, time_zone="EST5EDT")


@pytest.mark.django_db
def test_time_zone_page_needs_a_sign_in(tenant):
    # given an anonymous visitor
    # when they open the page
    response = host_client(tenant).get("/accounts/time-zone/")
    # then they are sent to sign in
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
