"""Who a visitor is, for counting only: a random cookie that lives one day, stored as a keyed digest.

The KB counts votes once per browser and ties an opened suggestion to a later request from the same browser;
neither needs to know the person. The cookie holds a random token and nothing else; the database holds an
HMAC of it (keyed with the secret key and the tenant), so a stored row cannot be matched to a cookie without
the server's key, and a day later the cookie is gone. No IP address or user agent is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE = "tessera_kb"
COOKIE_AGE = 24 * 60 * 60
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
# Crawlers, link previewers and scripts: their visits are neither votes nor deflections.
BOT = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|scrape|fetch|monitor|curl|wget|python-|httpclient|okhttp|"
    r"java/|go-http|libwww|facebookexternalhit|embedly|lighthouse|pingdom|headlesschrome.*bot",
    re.IGNORECASE,
)


def is_bot(request: HttpRequest) -> bool:
    agent = request.headers.get("User-Agent", "")
    return not agent.strip() or bool(BOT.search(agent))


def browser_token(request: HttpRequest) -> str:
    """The browser's token, made (and remembered on the request, for `keep_cookie`) when it has none yet."""
    token = getattr(request, "_kb_browser_token", None)
    if token:
        return token
    token = request.COOKIES.get(COOKIE, "")
    if not TOKEN.match(token):
        token = secrets.token_urlsafe(32)
        request._kb_new_browser_token = True
    request._kb_browser_token = token
    return token


def has_browser(request: HttpRequest) -> bool:
    return bool(TOKEN.match(request.COOKIES.get(COOKIE, "")))


def browser_digest(request: HttpRequest, *, tenant_id: int) -> str:
    token = browser_token(request)
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"kb:{tenant_id}:{token}".encode(), hashlib.sha256).hexdigest()


def keep_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set the cookie when this request made the token (it then lives a day from its first use)."""
    if getattr(request, "_kb_new_browser_token", False):
        response.set_cookie(
            COOKIE,
            request._kb_browser_token,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
