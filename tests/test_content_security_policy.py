"""Every HTML page carries a Content-Security-Policy without inline scripts, and no template needs one."""

import re
from pathlib import Path

import pytest

from tests.conftest import host_client

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Content-Security-Policy"


def _directives(response) -> dict[str, list[str]]:
    policy = response[HEADER]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.django_db
def test_html_pages_carry_a_policy_without_inline_scripts(tenant, other_tenant, admin, customer):
    pages = [
        (host_client(), "/"),
        (host_client(), "/accounts/login/"),
        (host_client(tenant), "/"),
        (host_client(tenant), "/accounts/login/"),
        (host_client(tenant, customer), "/"),
        (host_client(tenant, admin), "/desk/"),
        (host_client(tenant, admin), "/desk/settings/"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        directives = _directives(response)
        assert directives["default-src"] == ["'self'"], path
        assert directives["script-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in directives["style-src"] and "'unsafe-eval'" not in response[HEADER], path
        assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"], path


@pytest.mark.django_db
def test_the_accent_colour_is_a_nonced_style_not_a_style_attribute(tenant):
    response = host_client(tenant).get("/")
    nonce = re.search(r"'nonce-([^']+)'", " ".join(_directives(response)["style-src"])).group(1)
    assert f'<style nonce="{nonce}">body {{ --accent: {tenant.accent_colour}; }}</style>' in response.text
    assert ' style="' not in response.text


@pytest.mark.django_db
def test_the_unknown_host_page_and_refusals_carry_the_policy_too(tenant):
    response = host_client().get("/", HTTP_HOST="nowhere.example")
    assert response.status_code == 404 and _directives(response)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_the_api_docs_page_has_its_own_policy_for_swagger_ui(tenant):
    response = host_client(tenant).get("/api/docs/")
    assert response.status_code == 200
    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in directives["style-src"] and "data:" in directives["img-src"]


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
OTHER_INLINE_CODE = re.compile(r"""hx-on|javascript:|hx-vals\s*=\s*["']js:|<style\b(?![^>]*\bnonce=)""", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_handler():
    offenders = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        if template.parts[-2] == "emails":
            continue  # mail, never served as a page (its preview frame is sandboxed)
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, OTHER_INLINE_CODE):
            offenders += [f"{template.relative_to(ROOT)}: {match.group(0)}" for match in pattern.finditer(text)]
    assert offenders == []


def test_the_inline_code_patterns_catch_what_they_should():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>") and not INLINE_SCRIPT.search('<script src="/a.js">')
    assert HANDLER.search('<form onsubmit="return confirm()">') and HANDLER.search("<input onfocus='x()'>")
    assert not HANDLER.search('<input data-confirm="x">')
    assert OTHER_INLINE_CODE.search('<div hx-on:click="x">') and OTHER_INLINE_CODE.search("<style>a{}</style>")
