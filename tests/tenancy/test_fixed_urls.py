"""{% url %} and the staff navigation with the URLs that take no arguments reversed once per process
(tenancy.fixed_urls), and a page's own set of URLs (reversed_once: the desk lists'): Django's URLs, its errors,
and a URL conf or script prefix that changes is followed."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
    include,
    path,
    re_path,
    reverse,
    set_script_prefix,
    set_urlconf,
)

from config.urls import desk_patterns
from tenancy import fixed_urls
from tickets.views import queues


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_a_url_without_arguments_is_reversed_once():
    render("{% url 'password_change' %}")
    with (
        mock.patch("django.urls.reverse", wraps=reverse) as reversing,  # where Django's own tag finds it
        mock.patch.object(fixed_urls, "reverse", wraps=reverse) as reversing_here,
    ):
        # when the same URL is written three times
        urls = render("{% url 'password_change' %} {% url 'password_change' %}{% url 'password_change' as x %}{{ x }}")
    # then it is Django's URL, and reverse() was not asked again
    assert urls == f"{reverse('password_change')} {reverse('password_change')}{reverse('password_change')}"
    assert reversing.call_count == reversing_here.call_count == 0


def test_a_url_around_numbers_is_cut_once_and_written_around_them():
    render("{% url 'desk:ticket' 1 %}")
    with mock.patch("django.urls.reverse", wraps=reverse) as reversing:
        urls = render("{% url 'desk:ticket' 42 %} {% url 'desk:ticket' n %}", n=7)
    assert urls == f"{reverse('desk:ticket', args=[42])} {reverse('desk:ticket', args=[7])}"
    assert reversing.call_count == 0


def test_urls_with_other_arguments_and_errors_are_djangos():
    assert render("{% url 'desk:ticket' n %}", n="42") == reverse("desk:ticket", args=[42])
    with pytest.raises(NoReverseMatch):
        render("{% url 'desk:ticket' -1 %}")
    assert render("{% url 'no-such-page' as missing %}[{{ missing }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")


urlpatterns = [
    path("moved/password/", lambda request: None, name="password_change"),
    re_path(r"^positive/(?P<n>[1-9][0-9]{0,3})/$", lambda request, n: None, name="positive"),
    re_path(r"^above-zero/(?P<n>[1-9][0-9]*)/$", lambda request, n: None, name="above_zero"),
    path("help/desk/", include(desk_patterns)),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_pattern_that_refuses_some_numbers_is_reversed_each_time():
    assert render("{% url 'positive' 5 %}") == "/positive/5/"
    assert render("{% url 'above_zero' 918273645 %}") == "/above-zero/918273645/"
    for name, refused in (("positive", 0), ("positive", 12345), ("above_zero", 0)):
        with pytest.raises(NoReverseMatch):
            render("{% url name n %}", name=name, n=refused)


def test_another_url_conf_or_prefix_is_followed():
    before = render("{% url 'password_change' %}")
    # given a test's own URL conf (Django replaces its resolver)
    with override_settings(ROOT_URLCONF=__name__):
        assert render("{% url 'password_change' %}") == "/moved/password/"
    assert render("{% url 'password_change' %}") == before
    # and a script prefix
    set_script_prefix("/help/")
    try:
        assert render("{% url 'password_change' %}") == "/help" + before
    finally:
        clear_script_prefix()


def test_a_set_of_urls_is_built_once_per_url_conf_and_prefix():
    # given a function of reverse() calls, reversed once
    built = []

    @fixed_urls.reversed_once
    def urls():
        built.append(1)
        return reverse("password_change")

    # when it is asked again, behind a prefix, as at first, then under another URL conf and as at first
    before = urls()
    assert urls() == before
    set_script_prefix("/help/")
    try:
        assert urls() == "/help" + before
    finally:
        clear_script_prefix()
    assert urls() == before
    assert len(built) == 2
    with override_settings(ROOT_URLCONF=__name__):
        assert urls() == "/moved/password/"
    assert urls() == before
    # then it was built once for each URL conf and prefix, and again for the first URL conf when it came back (Django
    # made it a new resolver: the old entries go unused rather than stale)
    assert len(built) == 4


def test_the_desk_lists_urls_are_reversed_once_and_follow_the_url_conf():
    # given the desk lists' URLs, reversed once
    before = queues.list_urls()
    with mock.patch.object(queues, "reverse", wraps=reverse) as reversing:
        # when they are asked again, and under a URL conf that mounts the desk elsewhere
        again = queues.list_urls()
        with override_settings(ROOT_URLCONF=__name__):
            moved = queues.list_urls()
    # then they are Django's, reversed again only for the other URL conf
    assert again is before
    assert dict(before) == {
        "ticket": "/desk/tickets/", "view": "/desk/views/", "queue": "/desk/queues/", "saved_view": "/desk/saved/",
        "saved_views": "/desk/saved/", "new_ticket": "/desk/tickets/new/", "bulk": "/desk/bulk/",
        "export_tickets": "/desk/exports/tickets/",
    }  # fmt: skip
    assert moved["ticket"] == "/help/desk/tickets/" and moved["export_tickets"] == "/help/desk/exports/tickets/"
    assert reversing.call_count == len(before)
    assert queues.list_urls() == before


@pytest.mark.django_db
def test_a_tenants_mail_links_are_its_urls_from_the_cut_whatever_the_threads_url_conf(tenant):
    # given the platform's URL conf on this thread (a command or a platform page composing a tenant's mail)
    def tenant_reverse(view_name, **arguments):
        return reverse(view_name, urlconf=settings.ROOT_URLCONF, **arguments)

    expected = {
        "ticket": tenant.url(tenant_reverse("desk:ticket", kwargs={"number": 42})),
        "settings": tenant.url(tenant_reverse("desk:notification_settings")),
        "article": tenant.url(tenant_reverse("kb:article", kwargs={"slug": "reset-password"})),
        "query": tenant.url(tenant_reverse("desk:ticket", args=[7]) + "?x=1"),
    }
    tenant.url_for("desk:ticket", number=1)
    set_urlconf(settings.PLATFORM_URLCONF)
    try:
        with mock.patch("tenancy.models.tenants.reverse", wraps=reverse) as reversing:
            # when links are made for a numbered URL, one without arguments, one with a word, and with a query
            made = {
                "ticket": tenant.url_for("desk:ticket", number=42),
                "settings": tenant.url_for("desk:notification_settings"),
                "article": tenant.url_for("kb:article", slug="reset-password"),
                "query": tenant.url_for("desk:ticket", 7, query="x=1"),
            }
    finally:
        set_urlconf(None)
    # then each is the tenant URL conf's, on the tenant's host, and only the word's went through reverse() again
    assert made == expected
    assert [call.args[0] for call in reversing.call_args_list] == ["kb:article"]
