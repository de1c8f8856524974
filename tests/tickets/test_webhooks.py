"""Outbound webhooks: signed deliveries to a real HTTP server on this machine, retries, failures that block
nothing, the event mapping from real service calls, tenant isolation, SSRF refusals and the admin pages."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenancy import outbound
from tenancy.context import tenant_context
from tenancy.models import PendingTask
from tenancy.outbound import OutboundRefused
from tests.conftest import count_queries, host_client, make_member
from tests.tickets.factories import WebhookDeliveryFactory, WebhookFactory
from tickets import services
from tickets.event_kinds import webhook_events
from tickets.feed.dispatch import changes_of, drain
from tickets.feed.tasks import drain_feed_task
from tickets.lifecycle import Status
from tickets.models import FeedEntry, FeedReceipt, Priority, TicketEvent, Webhook, WebhookDelivery
from tickets.services import webhooks
from tickets.services.events import record_event
from tickets.webhooks import events, transport
from tickets.webhooks.targets import Target, TargetRefused
from tickets.webhooks.tasks import deliver_webhook_task

ALL_EVENTS = [events.TICKET_CREATED, events.TICKET_UPDATED, events.TICKET_STATUS_CHANGED, events.TICKET_RESOLVED]


# --- A real receiver ----------------------------------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 (random port) in a thread; answers with the queued status codes, then 200."""

    def __init__(self, answers=(), delay=0.0):
        self.answers = list(answers)
        self.delay = delay
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                status = receiver.answers.pop(0) if receiver.answers else 200
                time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.end_headers()
                self.wfile.write(b"ok, thanks" if status < 300 else b"Internal trouble: try again later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/tessera"

    def payloads(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]

    def serve_tls(self, cert: str, key: str) -> None:
        """Answer over TLS with this certificate (call before the first request)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    started = []

    def start(answers=(), delay=0.0):
        started.append(Receiver(answers, delay))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def local_targets(settings):
    """The tests' receivers listen on 127.0.0.1 over plain HTTP, which production refuses."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture(autouse=True)
def production_defaults(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (a receiver that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_due(delivery: WebhookDelivery) -> None:
    """Stand in for the retry countdown passing (the broker's timer is not what these tests are about)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def run_delivery(tenant, delivery: WebhookDelivery):
    return deliver_webhook_task.delay(tenant_id=tenant.pk, delivery_id=delivery.pk).get()


def expected_signature(secret: str, request: dict) -> str:
    signed = request["headers"]["X-Tessera-Timestamp"].encode() + b"." + request["body"]
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


# --- Delivery -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_delivery_posts_signed_json_that_the_receiver_can_verify(tenant, admin, receiver, local_targets):
    # given a webhook pointing at a real receiver
    server = receiver()
    with tenant_context(tenant):
        webhook = webhooks.create_webhook(actor=admin, url=server.url, events=[events.TICKET_CREATED])
        # when an admin sends a test event (the task runs when the transaction commits)
        delivery = webhooks.send_test_event(webhook=webhook, actor=admin)
        delivery.refresh_from_db()
    # then the receiver got one POST with our headers and a JSON body
    assert len(server.requests) == 1
    request = server.requests[0]
    headers = request["headers"]
    assert request["path"] == "/hooks/tessera"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Tessera-Webhooks/1"
    assert headers["X-Tessera-Event"] == "ping"
    assert headers["X-Tessera-Delivery"] == str(delivery.event_id)
    assert headers["X-Tessera-Timestamp"].isdigit()
    assert json.loads(request["body"]) == delivery.payload
    assert delivery.payload["tenant"] == "acme" and delivery.payload["event"] == "ping"
    # and the signature verifies with the webhook's secret, and only with it
    assert hmac.compare_digest(headers["X-Tessera-Signature"], expected_signature(webhook.secret, request))
    assert headers["X-Tessera-Signature"] != expected_signature("not-the-secret", request)
    # and the log records the success
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert (delivery.attempts, delivery.response_code, delivery.response_excerpt) == (1, 200, "ok, thanks")
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


@pytest.mark.django_db(transaction=True)
def test_failing_receiver_is_retried_and_the_retry_succeeds(tenant, admin, receiver, local_targets):
    # given a receiver that fails once, then recovers
    server = receiver(answers=[500])
    with tenant_context(tenant):
        webhook = webhooks.create_webhook(actor=admin, url=server.url, events=[events.TICKET_CREATED])
        # when the first try gets a 500
        delivery = webhooks.send_test_event(webhook=webhook, actor=admin)
        delivery.refresh_from_db()
        # then the delivery waits for a retry, with the answer recorded
        assert delivery.status == WebhookDelivery.Status.RETRYING
        assert (delivery.attempts, delivery.response_code) == (1, 500)
        assert delivery.response_excerpt == "Internal trouble: try again later"
        assert delivery.error == "The receiver answered HTTP 500."
        assert delivery.next_attempt_at > delivery.last_attempt_at
        # and a copy of the task that comes before the retry is due sends nothing, and comes back when it is due
        wait = run_delivery(tenant, delivery)
        assert 0 < wait <= webhooks.retry_delay(1) and len(server.requests) == 1
        # when the retry is due and runs
        make_due(delivery)
        assert run_delivery(tenant, delivery) is None
        delivery.refresh_from_db()
        # then it succeeded on the second try, with the same event id
        assert delivery.status == WebhookDelivery.Status.SUCCEEDED
        assert (delivery.attempts, delivery.response_code, delivery.error) == (2, 200, "")
        ids = {request["headers"]["X-Tessera-Delivery"] for request in server.requests}
        assert ids == {str(delivery.event_id)} and len(server.requests) == 2
        # and a delivered event is never sent again
        make_due(delivery)
        assert run_delivery(tenant, delivery) is None
        assert len(server.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_receiver_that_is_down_fails_after_the_last_try_and_blocks_nothing(tenant, admin, receiver, local_targets):
    # given one webhook whose receiver is down and one whose receiver is up
    server = receiver()
    with tenant_context(tenant):
        down = webhooks.create_webhook(
            actor=admin, url=f"http://127.0.0.1:{closed_port()}/hooks", events=[events.TICKET_CREATED]
        )
        up = webhooks.create_webhook(actor=admin, url=server.url, events=[events.TICKET_CREATED])
        # when both get a test event
        failing = webhooks.send_test_event(webhook=down, actor=admin)
        working = webhooks.send_test_event(webhook=up, actor=admin)
        failing.refresh_from_db()
        working.refresh_from_db()
        # then the failed try is recorded and scheduled again instead of holding the worker
        assert failing.status == WebhookDelivery.Status.RETRYING
        assert failing.attempts == 1 and failing.response_code is None
        assert "Connection refused" in failing.error
        # and the other receiver got its event all the same
        assert working.status == WebhookDelivery.Status.SUCCEEDED and len(server.requests) == 1
        # when each retry comes due, the task tries once and returns the wait before the next try
        waits = []
        for _ in range(webhooks.MAX_ATTEMPTS - 1):
            make_due(failing)
            waits.append(run_delivery(tenant, failing))
        failing.refresh_from_db()
    # then the waits grow, and after the last try the delivery has failed for good
    assert waits == [webhooks.retry_delay(n) for n in range(2, webhooks.MAX_ATTEMPTS)] + [None]
    assert waits[:-1] == sorted(waits[:-1]) and waits[0] > webhooks.retry_delay(1)
    assert failing.status == WebhookDelivery.Status.FAILED
    assert failing.attempts == webhooks.MAX_ATTEMPTS and failing.next_attempt_at is None
    assert len(server.requests) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_a_real_worker_retries_by_countdown_until_the_receiver_answers(
    tenant, admin, receiver, local_targets, monkeypatch
):
    # given a real Celery worker, a short backoff, and a receiver that fails twice
    import celery.contrib.testing.tasks  # noqa: F401 - registers celery.ping, which start_worker expects
    from celery.contrib.testing.worker import start_worker

    from config.celery import app as celery_app

    monkeypatch.setattr(webhooks, "RETRY_BASE_SECONDS", 0.2)
    server = receiver(answers=[503, 502])
    celery_app.conf.task_always_eager = False
    try:
        with (
            start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
            tenant_context(tenant),
        ):
            webhook = webhooks.create_webhook(actor=admin, url=server.url, events=[events.TICKET_CREATED])
            # when a test event is queued
            delivery = webhooks.send_test_event(webhook=webhook, actor=admin)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and delivery.status != WebhookDelivery.Status.SUCCEEDED:
                time.sleep(0.1)
                delivery.refresh_from_db()
    finally:
        celery_app.conf.task_always_eager = True
    # then the worker's countdown retries reached the receiver until it answered 200
    assert [r["headers"]["X-Tessera-Delivery"] for r in server.requests] == [str(delivery.event_id)] * 3
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempts == 3


@pytest.mark.django_db(transaction=True)
def test_redirects_are_not_followed_and_slow_receivers_time_out(tenant, receiver, local_targets, monkeypatch):
    # given a receiver that redirects and one that answers too slowly (read timeout shortened for the test)
    monkeypatch.setattr(transport, "READ_TIMEOUT", 0.5)
    redirecting, slow = receiver(answers=[302]), receiver(delay=3)
    with tenant_context(tenant):
        moved = WebhookDeliveryFactory(tenant=tenant, webhook=WebhookFactory(tenant=tenant, url=redirecting.url))
        late = WebhookDeliveryFactory(tenant=tenant, webhook=WebhookFactory(tenant=tenant, url=slow.url))
        # when each is tried
        run_delivery(tenant, moved)
        run_delivery(tenant, late)
        moved.refresh_from_db()
        late.refresh_from_db()
    # then the redirect is recorded as a failed try, not followed
    assert [request["path"] for request in redirecting.requests] == ["/hooks/tessera"]
    assert (moved.status, moved.response_code) == (WebhookDelivery.Status.RETRYING, 302)
    # and the slow receiver's try ends at the timeout, to be retried
    assert (late.status, late.response_code) == (WebhookDelivery.Status.RETRYING, None)
    assert late.error == "The receiver did not answer in time."


@pytest.fixture
def localhost_certificate(tmp_path):
    """A self-signed certificate for the name "localhost" (made with the openssl command)."""
    openssl = shutil.which("openssl")
    assert openssl, "these tests need the openssl command"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.mark.django_db(transaction=True)
def test_https_receivers_are_verified_by_host_name(tenant, receiver, local_targets, localhost_certificate, monkeypatch):
    # given an HTTPS receiver on "localhost" with a certificate no public authority signed

    cert, key = localhost_certificate
    server = receiver()
    server.serve_tls(cert, key)
    url = f"https://localhost:{server.port}/hooks/tessera"
    with tenant_context(tenant):
        untrusted = WebhookDeliveryFactory(tenant=tenant, webhook=WebhookFactory(tenant=tenant, url=url))
        # when a delivery is tried with the system's authorities
        run_delivery(tenant, untrusted)
        untrusted.refresh_from_db()
        # then the certificate is refused and nothing is sent
        assert untrusted.status == WebhookDelivery.Status.RETRYING and "CERTIFICATE_VERIFY_FAILED" in untrusted.error
        assert server.requests == []
        # when the certificate's authority is trusted, the connection (made to the checked address) verifies the
        # name "localhost" and the event is delivered
        system_context = ssl.create_default_context
        monkeypatch.setattr(transport.ssl, "create_default_context", lambda: system_context(cafile=cert))
        trusted = WebhookDeliveryFactory(tenant=tenant, webhook=untrusted.webhook)
        run_delivery(tenant, trusted)
        trusted.refresh_from_db()
    assert trusted.status == WebhookDelivery.Status.SUCCEEDED and len(server.requests) == 1
    assert server.requests[0]["headers"]["Host"] == f"localhost:{server.port}"


@pytest.mark.django_db(transaction=True)
def test_a_try_whose_worker_died_is_taken_up_again_when_its_claim_expires(tenant, receiver, local_targets):
    # given a delivery a worker claimed and then died with (its claim still holds, the broker redelivers at once)
    server = receiver()
    with tenant_context(tenant):
        webhook = WebhookFactory(tenant=tenant, url=server.url)
        delivery = WebhookDeliveryFactory(tenant=tenant, webhook=webhook, status=WebhookDelivery.Status.RETRYING)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() + timedelta(seconds=webhooks.CLAIM_SECONDS)
        )
        # when the redelivered copy runs while the claim holds
        wait = run_delivery(tenant, delivery)
        # then it sends nothing and asks to come back when the claim has expired
        assert 0 < wait <= webhooks.CLAIM_SECONDS and server.requests == []
        # when it comes back after that
        make_due(delivery)
        run_delivery(tenant, delivery)
        delivery.refresh_from_db()
    # then the delivery is made, once
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and len(server.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_paused_webhook_sends_nothing_that_was_waiting(tenant, admin, receiver, local_targets):
    # given a delivery waiting for a retry, and the admin pauses the webhook
    server = receiver(answers=[500])
    with tenant_context(tenant):
        webhook = webhooks.create_webhook(actor=admin, url=server.url, events=[events.TICKET_CREATED])
        delivery = webhooks.send_test_event(webhook=webhook, actor=admin)
        waiting = WebhookDeliveryFactory(tenant=tenant, webhook=webhook, status=WebhookDelivery.Status.RETRYING)
        webhooks.set_webhook_active(webhook=webhook, actor=admin, active=False)
        # when the retry comes due
        make_due(waiting)
        run_delivery(tenant, waiting)
        waiting.refresh_from_db()
        delivery.refresh_from_db()
    # then it is not sent, and the log says why
    assert len(server.requests) == 1
    assert waiting.status == WebhookDelivery.Status.FAILED and waiting.error == "Not sent: the webhook was paused."
    # and it cannot be redelivered until the webhook is resumed
    with tenant_context(tenant):
        with pytest.raises(services.ServiceError, match="paused"):
            webhooks.redeliver(delivery=waiting, actor=admin)
        webhooks.set_webhook_active(webhook=webhook, actor=admin, active=True)
        webhooks.redeliver(delivery=waiting, actor=admin)
        waiting.refresh_from_db()
    assert waiting.status == WebhookDelivery.Status.SUCCEEDED and len(server.requests) == 2


# --- Events from real ticket changes -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ticket_changes_become_the_subscribed_events(tenant, admin, agent, new_ticket, receiver, local_targets):
    # given one webhook for everything and one only for created and resolved tickets
    everything, some = receiver(), receiver()
    with tenant_context(tenant):
        webhooks.create_webhook(actor=admin, url=everything.url, events=ALL_EVENTS)
        webhooks.create_webhook(
            actor=admin, url=some.url, events=[events.TICKET_CREATED, events.TICKET_RESOLVED], description="CRM"
        )
    # when a ticket is created, gets a public reply and is resolved, through the services
    ticket = new_ticket(subject="Printer on fire", body="Secret details of the fire.")
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="We are on it.")
        services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        ticket.refresh_from_db()
    # then each receiver got exactly the events it asked for
    got = [payload["event"] for payload in everything.payloads()]
    assert got[0] == events.TICKET_CREATED
    assert events.TICKET_UPDATED in got
    assert got[-2:] == [events.TICKET_STATUS_CHANGED, events.TICKET_RESOLVED]
    assert [payload["event"] for payload in some.payloads()] == [events.TICKET_CREATED, events.TICKET_RESOLVED]
    # and the payload names the ticket and carries the change (old and new values, the actor), not the ticket's
    # state when it was sent; ids and codes only
    resolved = some.payloads()[-1]
    assert resolved["tenant"] == "acme"
    assert resolved["ticket"] == {
        "number": ticket.number,
        "reference": f"ACME-{ticket.number}",
        "subject": "Printer on fire",
        "url": f"http://acme.localhost/desk/tickets/{ticket.number}/",
    }
    [change] = resolved["changes"]
    assert (change["kind"], change["field"], change["old"], change["new"]) == (
        "status_changed",
        "status",
        "open",
        "resolved",
    )
    assert change["actor"] == {"type": "member", "id": agent.pk}
    bodies = b"".join(request["body"] for request in everything.requests + some.requests)
    assert b"Secret details" not in bodies and b"We are on it" not in bodies
    # and every event went out once, delivered
    with tenant_context(tenant):
        statuses = set(WebhookDelivery.objects.values_list("status", flat=True))
        assert statuses == {WebhookDelivery.Status.SUCCEEDED}
        assert WebhookDelivery.objects.count() == len(everything.requests) + len(some.requests)


def kinds_of(heard_events: list) -> list[tuple[str, list[str]]]:
    return [(event, [change[0] for change in changes]) for event, changes in heard_events]


def heard(server, since: int = 0) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """What a receiver got after its first `since` requests: each event with its changes (kind, old, new)."""
    return [(p["event"], [(c["kind"], c["old"], c["new"]) for c in p["changes"]]) for p in server.payloads()[since:]]


@pytest.mark.django_db(transaction=True)
def test_every_service_sets_off_the_webhook_events_of_its_change(
    tenant, admin, agent, desk, new_ticket, receiver, local_targets
):
    # given a webhook for every event
    server = receiver()
    with tenant_context(tenant):
        webhooks.create_webhook(actor=admin, url=server.url, events=ALL_EVENTS)
    contact, updated, status_changed = desk["contact"], events.TICKET_UPDATED, events.TICKET_STATUS_CHANGED

    def after(change) -> list:
        count = len(server.requests)
        with tenant_context(tenant):
            change()
        return heard(server, count)

    # when a ticket is created, then each service changes it: then each change sets off its events, carrying it
    ticket = new_ticket()
    assert heard(server) == [(events.TICKET_CREATED, [("created", "", "web")])]
    replied = after(lambda: services.reply(ticket=ticket, actor=agent, body="Hi"))
    assert kinds_of(replied) == [
        (updated, ["replied", "status_changed"]),
        (status_changed, ["replied", "status_changed"]),
    ]
    assert replied[-1][1][-1] == ("status_changed", "new", "open")
    resolved = after(lambda: services.reply(ticket=ticket, actor=agent, body="Fixed", status=Status.RESOLVED))
    assert [event for event, _ in resolved] == [updated, status_changed, events.TICKET_RESOLVED]
    assert resolved[-1][1][-1] == ("status_changed", "open", "resolved")
    reopened = after(lambda: services.reply(ticket=ticket, actor=contact, body="Broken again"))
    assert kinds_of(reopened) == [
        (updated, ["customer_replied", "reopened"]),
        (status_changed, ["customer_replied", "reopened"]),
    ]
    assert reopened[-1][1][-1] == ("reopened", "resolved", "open")
    assert after(lambda: services.change_status(ticket=ticket, status=Status.PENDING, actor=agent)) == [
        (status_changed, [("status_changed", "open", "pending")])
    ]
    answered = after(lambda: services.reply(ticket=ticket, actor=contact, body="Here you go"))
    assert [(e, cs[-1]) for e, cs in answered] == [
        (updated, ("customer_replied_while_pending", "pending", "open")),
        (status_changed, ("customer_replied_while_pending", "pending", "open")),
    ]
    assert after(lambda: services.assign(ticket=ticket, assignee=agent, actor=admin)) == [
        (updated, [("assigned", "", str(agent.pk))])
    ]
    assert after(lambda: services.change_priority(ticket=ticket, priority=Priority.URGENT, actor=agent)) == [
        (updated, [("priority_changed", str(Priority.NORMAL), str(Priority.URGENT))])
    ]
    # and a merge announces the source closing, and the target what it took in
    source = new_ticket(subject="Duplicate")
    merged = after(lambda: services.merge(source=source, target=ticket, actor=agent))
    assert sorted(merged) == sorted(
        [
            (updated, [("merged_into", "", str(ticket.pk)), ("status_changed", "new", "closed")]),
            (status_changed, [("merged_into", "", str(ticket.pk)), ("status_changed", "new", "closed")]),
            (updated, [("merged", "", str(source.pk))]),
        ]
    )
    # and every event id is different, and named by the change, not by when it was sent
    ids = [p["event_id"] for p in server.payloads()]
    assert len(ids) == len(set(ids))


@pytest.mark.django_db(transaction=True)
def test_mail_that_never_joined_the_conversation_sets_off_no_webhook(
    tenant, admin, new_ticket, receiver, local_targets
):
    # given a webhook for every event, and a ticket
    server = receiver()
    with tenant_context(tenant):
        webhooks.create_webhook(actor=admin, url=server.url, events=ALL_EVENTS)
    ticket = new_ticket()
    count = len(server.requests)
    # when the mail intake records what happened to mail about the ticket
    intake = services.Automation("email intake")
    with tenant_context(tenant), transaction.atomic():
        for kind in ("email_refused", "email_bounced", "auto_reply_received", "email_held", "email_released"):
            record_event(ticket, actor=intake, kind=kind, field="inbound_email", new=1)
    # then no webhook hears of it (not even ticket.updated), and the feed entry is done all the same
    assert len(server.requests) == count
    with tenant_context(tenant):
        assert not FeedEntry.objects.filter(done_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_handed_out_again_sends_nothing_twice(tenant, admin, agent, new_ticket, receiver, local_targets):
    # given a webhook and a reply that resolved the ticket, delivered
    server = receiver()
    with tenant_context(tenant):
        webhooks.create_webhook(actor=admin, url=server.url, events=ALL_EVENTS)
    ticket = new_ticket()
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Fixed", status=Status.RESOLVED)
        sent = len(server.requests)
        # when the feed hands the entries out again (receipts lost too: the stable event ids still hold)
        FeedEntry.objects.update(done_at=None)
        FeedReceipt.objects.all().delete()
    drain_feed_task.delay(tenant_id=tenant.pk).get()
    # then nothing new was queued or sent
    assert len(server.requests) == sent
    with tenant_context(tenant):
        assert WebhookDelivery.objects.count() == sent


@pytest.mark.django_db(transaction=True)
def test_a_tenants_webhooks_never_get_another_tenants_events(
    tenant, other_tenant, admin, new_ticket, receiver, local_targets
):
    # given webhooks for created tickets in acme and in globex
    acme_server, globex_server = receiver(), receiver()
    globex_admin = make_member(other_tenant, "admin", "admin@globex.example")
    with tenant_context(tenant):
        webhooks.create_webhook(actor=admin, url=acme_server.url, events=[events.TICKET_CREATED])
    with tenant_context(other_tenant):
        globex_hook = webhooks.create_webhook(actor=globex_admin, url=globex_server.url, events=[events.TICKET_CREATED])
    # when a ticket is created in acme
    ticket = new_ticket()
    # then only acme's receiver hears of it, and globex has no delivery at all
    assert [p["ticket"]["reference"] for p in acme_server.payloads()] == [f"ACME-{ticket.number}"]
    assert globex_server.requests == []
    with tenant_context(other_tenant):
        assert not WebhookDelivery.objects.exists()
    # and acme's admin cannot manage globex's webhook (it does not exist on acme's host)
    client = host_client(tenant, admin)
    assert client.get(f"/desk/settings/webhooks/{globex_hook.pk}/").status_code == 404
    assert client.post(f"/desk/settings/webhooks/{globex_hook.pk}/rotate/").status_code == 404
    with tenant_context(other_tenant):
        assert Webhook.objects.get(pk=globex_hook.pk).secret == globex_hook.secret
    # and a service refuses to act across tenants
    with tenant_context(tenant), pytest.raises(Exception, match="different organisations"):
        webhooks.rotate_webhook_secret(webhook=globex_hook, actor=admin)


@pytest.mark.django_db
def test_kinds_map_to_events():
    # given audit events of the declared kinds
    def set_off(kind, old="", new=""):
        return webhook_events(TicketEvent(kind=kind, field="status", old_value=old, new_value=new))

    # when they are mapped, then:
    assert set_off("created") == (events.TICKET_CREATED,)
    assert set_off("status_changed", "open", "pending") == (events.TICKET_STATUS_CHANGED,)
    assert set_off("status_changed", "open", "resolved") == (events.TICKET_STATUS_CHANGED, events.TICKET_RESOLVED)
    assert set_off("reopened", "resolved", "open") == (events.TICKET_STATUS_CHANGED,)
    assert set_off("customer_replied_while_pending", "pending", "open") == (events.TICKET_STATUS_CHANGED,)
    for kind in ("replied", "note_added", "customer_replied", "priority_changed", "assigned", "merged_into", "merged"):
        assert set_off(kind) == (events.TICKET_UPDATED,)
    # and mail that never joined the conversation sets off nothing
    for kind in ("email_refused", "email_bounced", "auto_reply_received", "email_held", "email_released"):
        assert set_off(kind) == ()


@pytest.mark.django_db
def test_the_same_change_handed_out_twice_is_queued_once(tenant, admin, new_ticket, django_capture_on_commit_callbacks):
    # given a webhook and a created ticket's feed entry (no task runs: callbacks are not executed)
    ticket = new_ticket()
    with tenant_context(tenant):
        WebhookFactory(tenant=tenant, events=ALL_EVENTS, url="https://hooks.example.com/a")
        [change] = [c for c in changes_of(list(FeedEntry.objects.filter(ticket=ticket))) if c.ticket_id == ticket.pk]
        # when the webhooks' subscriber is handed the same change twice (its receipt aside)
        with django_capture_on_commit_callbacks(execute=False):
            first = webhooks.queue_change_events(change)
            second = webhooks.queue_change_events(change)
        # then one delivery is queued, with its task recorded in the outbox
        assert len(first) == 1 and second == []
        assert WebhookDelivery.objects.count() == 1
        assert PendingTask.objects.filter(task_name="tickets.deliver_webhook").count() == 1


@pytest.mark.django_db
def test_a_drain_batch_reads_the_webhooks_once_and_queues_every_tickets_events(
    tenant, new_ticket, django_capture_on_commit_callbacks
):
    # given a webhook for created tickets and three new tickets waiting in the feed (no drain ran: the test's
    # transaction never commits)
    with tenant_context(tenant):
        WebhookFactory(tenant=tenant, events=[events.TICKET_CREATED], url="https://hooks.example.com/a")
    tickets = [new_ticket(subject=f"Ticket {n}") for n in range(3)]
    # when one drain hands them to the subscribers
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=False):
        with CaptureQueriesContext(connection) as queries:
            drain()
        # then each ticket's creation is queued for the webhook
        queued = WebhookDelivery.objects.filter(event=events.TICKET_CREATED)
        assert sorted(d.payload["ticket"]["number"] for d in queued) == sorted(t.number for t in tickets)
    # and the tenant's webhooks were read once for the batch, not once per change
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "tickets_webhook"' in q["sql"]]
    assert len(reads) == 1


# --- SSRF ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/x", "https"),
        ("ftp://hooks.example.com/x", "https"),
        ("https://127.0.0.1/x", "private or local address"),
        ("https://10.1.2.3/x", "private or local address"),
        ("https://192.168.0.10:8443/x", "private or local address"),
        ("https://169.254.169.254/latest/meta-data/", "private or local address"),
        ("https://[::1]/x", "private or local address"),
        ("https://[::ffff:127.0.0.1]/x", "private or local address"),
        ("https://100.64.0.1/x", "private or local address"),
        # IPv6 that carries an internal IPv4 address: NAT64 (well-known and local-use), IPv4-compatible,
        # IPv4-translated, 6to4; and IPv6 site-local and multicast.
        ("https://[64:ff9b::7f00:1]/x", "private or local address"),
        ("https://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "private or local address"),
        ("https://[64:ff9b:1::a00:1]/x", "private or local address"),
        ("https://[64:ff9b:1::808:808]/x", "private or local address"),
        ("https://[::127.0.0.1]/x", "private or local address"),
        ("https://[::ffff:0:7f00:1]/x", "private or local address"),
        ("https://[2002:7f00:1::1]/x", "private or local address"),
        ("https://[fec0::1]/x", "private or local address"),
        ("https://[ff02::1]/x", "private or local address"),
        # IPv4 as the C resolver also reads it (inet_aton): no DNS is asked, so these are addresses too.
        ("https://127.1/x", "private or local address"),
        ("https://2130706433/x", "private or local address"),
        ("https://0x7f.1/x", "private or local address"),
        ("https://localhost/x", "local host name"),
        ("https://db.internal/x", "local host name"),
        ("https://user:pw@hooks.example.com/x", "user name or password"),
        (f"https://{'a' * 64}.example.com/x", "host name is not valid"),
        ("not a url", "spaces"),
        ("notaurl", "https"),
    ],
)
def test_private_and_insecure_targets_are_refused(tenant, admin, url, reason):
    # when an admin registers a URL that would make us call into a private network (or in clear text)
    with tenant_context(tenant), pytest.raises(TargetRefused, match=reason):
        webhooks.create_webhook(actor=admin, url=url, events=[events.TICKET_CREATED])
    # then nothing is saved
    with tenant_context(tenant):
        assert not Webhook.objects.exists()


def test_a_host_name_that_resolves_to_loopback_is_refused_when_connecting(receiver):
    # given a receiver on 127.0.0.1 and a target whose name resolves there (as a public-looking name could)
    server = receiver()
    target = Target(scheme="http", host="localhost", port=server.port, path="/hooks")
    # when the transport connects, with private networks refused
    with pytest.raises(OutboundRefused, match="resolves to a private or local address") as refused:
        transport.post(target, body=b"{}", headers={})
    # then no connection is made, and the admin is not told where the name points (no internal DNS oracle)
    assert server.requests == []
    assert "127.0.0.1" not in str(refused.value)


def test_a_receiver_that_is_not_http_is_described_without_its_banner(local_targets):
    # given a service on this machine that is not HTTP: it sends its banner and hangs up
    banner = b"220 internal-redis-admin.corp.example ESMTP secret-build-7f3a\r\n"
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def answer():
            conn, _ = server.accept()
            with conn:
                conn.sendall(banner)
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    while conn.recv(4096):  # until the client hangs up, so its request never meets a closed socket
                        pass

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        # when a webhook delivery is tried there
        with pytest.raises(OSError) as failed:
            transport.post(Target(scheme="http", host="127.0.0.1", port=port, path="/"), body=b"{}", headers={})
        thread.join(2)
    # then the error says what went wrong in our words, and nothing the peer sent
    assert str(failed.value) == "The receiver's answer is not HTTP (BadStatusLine)."
    assert "internal-redis-admin" not in str(failed.value) and "220" not in str(failed.value)


def test_public_embedded_ipv4_in_nat64_stays_allowed_but_internal_ones_do_not():
    # given the NAT64 prefix, through which IPv6-only networks reach public IPv4 hosts
    # then a public IPv4 inside it passes, and every internal one is refused
    assert outbound.is_public_address(ipaddress.ip_address("64:ff9b::808:808"))
    for internal in ("64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::808:808"):
        assert not outbound.is_public_address(ipaddress.ip_address(internal)), internal


@pytest.mark.django_db(transaction=True)
def test_a_url_saved_before_the_rules_tightened_fails_with_the_reason_instead_of_crashing(tenant):
    # given webhooks saved under looser rules (http, a local name, a host name DNS cannot encode)
    with tenant_context(tenant):
        urls = ["http://hooks.example.com/x", "https://localhost/x", f"https://{'a' * 64}.example.com/x"]
        deliveries = [WebhookDeliveryFactory(tenant=tenant, webhook=WebhookFactory(tenant=tenant, url=u)) for u in urls]
        # when they are tried
        for delivery in deliveries:
            assert run_delivery(tenant, delivery) is None
            delivery.refresh_from_db()
    # then each fails for good, saying why, without a try on the network
    assert [d.status for d in deliveries] == [WebhookDelivery.Status.FAILED] * 3
    assert "https://" in deliveries[0].error
    assert "local host name" in deliveries[1].error
    assert deliveries[2].error == "The host name is not valid."


@pytest.mark.django_db
def test_public_https_targets_are_accepted_and_get_a_secret(tenant, admin, agent):
    with tenant_context(tenant):
        # when an admin registers a public HTTPS URL
        webhook = webhooks.create_webhook(
            actor=admin, url=" https://hooks.example.com/tessera?team=1 ", events=[events.TICKET_RESOLVED]
        )
        # then it is saved with a 256-bit secret
        assert webhook.url == "https://hooks.example.com/tessera?team=1"
        assert len(webhook.secret) == 64 and int(webhook.secret, 16)
        # and a rotation replaces the secret
        old = webhook.secret
        assert webhooks.rotate_webhook_secret(webhook=webhook, actor=admin).secret != old
        # and an agent may not manage webhooks
        with pytest.raises(services.ServiceError, match="Only tenant admins"):
            webhooks.create_webhook(actor=agent, url="https://hooks.example.com/", events=[events.TICKET_CREATED])


# --- Admin pages --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_adds_a_webhook_and_sees_its_secret(tenant, admin):
    client = host_client(tenant, admin)
    # when the admin submits the form
    response = client.post(
        "/desk/settings/webhooks/new/",
        {"url": "https://hooks.example.com/in", "description": "CRM sync", "events": [events.TICKET_CREATED]},
    )
    # then the webhook exists and its page shows the secret to copy
    with tenant_context(tenant):
        webhook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/settings/webhooks/{webhook.pk}/"
    page = client.get(response["Location"]).text
    assert webhook.secret in page and "CRM sync" in page
    assert "hooks.example.com/in" in client.get("/desk/settings/webhooks/").text


@pytest.mark.django_db
def test_a_refused_url_is_explained_and_the_form_keeps_what_was_typed(tenant, admin):
    # when the admin types a private address
    response = host_client(tenant, admin).post(
        "/desk/settings/webhooks/new/",
        {"url": "https://192.168.1.20/hook", "description": "Office box", "events": [events.TICKET_CREATED]},
    )
    # then the form says why, keeps the input, and nothing is saved
    assert response.status_code == 400
    assert "private or local address" in response.text
    assert 'value="https://192.168.1.20/hook"' in response.text and 'value="Office box"' in response.text
    with tenant_context(tenant):
        assert not Webhook.objects.exists()


@pytest.mark.django_db
def test_admin_actions_pause_rotate_test_and_redeliver(tenant, admin):
    with tenant_context(tenant):
        webhook = WebhookFactory(tenant=tenant)
        failed = WebhookDeliveryFactory(tenant=tenant, webhook=webhook, status="failed", attempts=6)
    client = host_client(tenant, admin)
    base = f"/desk/settings/webhooks/{webhook.pk}"
    # when the admin redelivers the failed one, rotates the secret, sends a test event and pauses the webhook
    assert client.post(f"{base}/deliveries/{failed.pk}/redeliver/").status_code == 302
    assert client.post(f"{base}/rotate/").status_code == 302
    assert client.post(f"{base}/test/").status_code == 302
    assert client.post(f"{base}/active/", {"active": "0"}).status_code == 302
    # then each took effect
    with tenant_context(tenant):
        fresh = Webhook.objects.get(pk=webhook.pk)
        assert not fresh.is_active and fresh.secret != webhook.secret
        assert WebhookDelivery.objects.filter(webhook=webhook, event="ping").count() == 1
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == (WebhookDelivery.Status.PENDING, 0)
        assert PendingTask.objects.filter(task_name="tickets.deliver_webhook").count() == 2
    # and a delivery that did not fail cannot be redelivered
    response = client.post(f"{base}/deliveries/{failed.pk}/redeliver/", follow=True)
    assert "Only failed deliveries can be sent again." in response.text


@pytest.mark.django_db
def test_admin_deletes_a_webhook(tenant, admin):
    with tenant_context(tenant):
        webhook = WebhookFactory(tenant=tenant)
        WebhookDeliveryFactory(tenant=tenant, webhook=webhook)
    response = host_client(tenant, admin).post(f"/desk/settings/webhooks/{webhook.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/desk/settings/webhooks/"
    with tenant_context(tenant):
        assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_webhook_pages_are_for_admins_only(tenant, role):
    with tenant_context(tenant):
        webhook = WebhookFactory(tenant=tenant)
    client = host_client(tenant, make_member(tenant, role, f"{role}@acme.example"))
    assert client.get(f"/desk/settings/webhooks/{webhook.pk}/").status_code == 403
    assert client.post(f"/desk/settings/webhooks/{webhook.pk}/rotate/").status_code == 403
    with tenant_context(tenant):
        assert Webhook.objects.get().secret == webhook.secret


@pytest.mark.django_db
def test_webhook_list_runs_a_fixed_number_of_queries_and_shows_only_this_tenants(tenant, other_tenant, admin):
    # given one webhook with a failed delivery, and one of another tenant
    client = host_client(tenant, admin)
    with tenant_context(tenant):
        first = WebhookFactory(tenant=tenant, url="https://hooks.example.com/acme")
        WebhookDeliveryFactory(tenant=tenant, webhook=first, status="failed")
    with tenant_context(other_tenant):
        WebhookFactory(tenant=other_tenant, url="https://hooks.example.com/globex")
    few = count_queries(client, "/desk/settings/webhooks/")
    page = client.get("/desk/settings/webhooks/").text
    assert "hooks.example.com/acme" in page and "Failed" in page and "globex" not in page
    # when six more webhooks with deliveries exist
    with tenant_context(tenant):
        for _ in range(6):
            WebhookDeliveryFactory(tenant=tenant, webhook=WebhookFactory(tenant=tenant), status="succeeded")
    # then the page runs the same queries
    assert count_queries(client, "/desk/settings/webhooks/") == few


@pytest.mark.django_db
def test_delivery_log_runs_a_fixed_number_of_queries_and_pages_newest_first(tenant, admin):
    client = host_client(tenant, admin)
    with tenant_context(tenant):
        webhook = WebhookFactory(tenant=tenant)
        WebhookDeliveryFactory(tenant=tenant, webhook=webhook, status="failed", error="Connection refused")
    url = f"/desk/settings/webhooks/{webhook.pk}/"
    few = count_queries(client, url)
    now = timezone.now()
    with tenant_context(tenant):
        for n in range(40):
            WebhookDeliveryFactory(
                tenant=tenant,
                webhook=webhook,
                status="succeeded",
                response_code=200,
                event=events.TICKET_UPDATED,
                created_at=now + timedelta(seconds=n),
                response_excerpt=f"answer {n}",
            )
    assert count_queries(client, url) == few
    page = client.get(url).text
    assert page.index("answer 39") < page.index("answer 38") and "answer 10" not in page
    assert "answer 10" in client.get(f"{url}?page=2").text


@pytest.mark.django_db(transaction=True)
def test_retries_the_broker_lost_are_resent_by_the_sweep(tenant, other_tenant, receiver, local_targets):
    # given two deliveries of two tenants whose retry was due long ago (the broker lost it), and one not yet due
    server = receiver()
    lost = [
        WebhookDeliveryFactory(
            tenant=owner,
            webhook=WebhookFactory(tenant=owner, url=server.url),
            status=WebhookDelivery.Status.RETRYING,
            attempts=1,
            next_attempt_at=timezone.now() - timedelta(minutes=30),
        )
        for owner in (tenant, other_tenant)
    ]
    waiting = WebhookDeliveryFactory(
        tenant=tenant,
        webhook=WebhookFactory(tenant=tenant, url=server.url),
        status=WebhookDelivery.Status.RETRYING,
        attempts=1,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )
    # when the sweep runs (tasks run eagerly in the tests)
    sent = webhooks.resend_stalled_deliveries()
    # then the lost ones were tried again and delivered, each in its own tenant; the waiting one was left alone
    assert sent == 2
    assert len(server.requests) == 2
    for delivery in lost:
        with tenant_context(delivery.tenant):
            delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.SUCCEEDED, 2)
    with tenant_context(tenant):
        waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (WebhookDelivery.Status.RETRYING, 1)
    # and a second sweep finds nothing left to resend
    assert webhooks.resend_stalled_deliveries() == 0
