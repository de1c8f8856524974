"""Is the From of an inbound mail authenticated? Read from the receiving host's Authentication-Results (RFC 8601).

Anyone can write an Authentication-Results header into a mail they send; only the one the receiving host adds on
top is worth anything, and only when that host is one the platform (or the tenant, for a support address, an IMAP
mailbox or the HTTP endpoint) names as trusted by its authserv-id. So: the topmost header only, only from a
trusted authserv-id (that host must remove or never add headers under its own id from elsewhere, as RFC 8601
section 5 asks of it); every header below it, and any from another id, is ignored.

"Authenticated for its From domain" means, in that header: dmarc=pass for the From domain (header.from must name
it), or dkim=pass with a signing domain (header.d, else header.i) aligned with the From domain, or spf=pass with
an envelope sender domain (smtp.mailfrom) aligned with it. A dmarc=fail there wins over the rest: the receiving
host applied the domain's own alignment policy. Aligned here means one domain is the other or a parent of it
(mail.acme.example and acme.example), with at least two labels; two sibling subdomains of one organisation are
not aligned by this rule (stricter than DMARC's relaxed alignment, which needs the Public Suffix List), and a
public suffix itself (co.uk) is never a DNS name anyone can sign for, so it cannot be abused.

Parsing never raises; a header it cannot read authenticates nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings

MAX_RESULTS_CHARS = 10_000
MAX_TRUSTED_IDS = 10
_AUTHSERV_ID = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,251}[a-z0-9])?$")


@dataclass(frozen=True)
class Result:
    """One method's result ("dkim=pass header.d=acme.example"): the method, the result, its properties."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """Whether the From is authenticated, by which method, and why (a line for the admin who reviews it)."""

    authenticated: bool
    reason: str
    method: str = ""


# --- trusted authserv-ids -----------------------------------------------------------------------------------------


def parse_authserv_ids(value: str) -> list[str]:
    """A comma- or space-separated list as typed into a setting, lower-cased; ValueError names a bad entry."""
    ids = [item.strip().lower() for item in re.split(r"[,\s]+", value or "") if item.strip()]
    for item in ids:
        if not _AUTHSERV_ID.match(item):
            raise ValueError(f"“{item[:60]}” is not an authserv-id (a host name such as mx.example.com).")
    if len(ids) > MAX_TRUSTED_IDS:
        raise ValueError(f"Name at most {MAX_TRUSTED_IDS} authserv-ids.")
    return list(dict.fromkeys(ids))


def platform_authserv_ids() -> frozenset[str]:
    return frozenset(i.strip().lower() for i in getattr(settings, "MAIL_TRUSTED_AUTHSERV_IDS", []) if i.strip())


def stored_authserv_ids(value: str) -> frozenset[str]:
    """An override as stored on a support address, mailbox or endpoint; one that no longer parses trusts nobody."""
    try:
        return frozenset(parse_authserv_ids(value))
    except ValueError:
        return frozenset()


# --- Authentication-Results ---------------------------------------------------------------------------------------


def parse_authentication_results(value: str) -> tuple[str, list[Result]]:
    """The authserv-id (lower-cased, without its version) and the results of one Authentication-Results value."""
    try:
        text = _without_comments(str(value)[:MAX_RESULTS_CHARS])
        parts = _split(text, ";")
        if not parts:
            return "", []
        head = parts[0].split()
        authserv_id = _unquote(head[0]).lower() if head else ""
        results = []
        for part in parts[1:]:
            tokens = _split(re.sub(r"\s*=\s*", "=", part.strip()), " ")
            if not tokens or "=" not in tokens[0]:
                continue  # "none", or something we do not understand
            method, _, result = tokens[0].partition("=")
            properties = {}
            for token in tokens[1:]:
                key, sep, val = token.partition("=")
                if sep and key.lower() not in properties:
                    properties[key.lower()] = _unquote(val)
            results.append(Result(method.split("/")[0].lower(), result.lower(), properties))
        return authserv_id, results
    except Exception:
        return "", []


def judge(*, authentication_results: str, from_address: str, from_ambiguous: bool, trusted: frozenset[str]) -> Verdict:
    """Whether the topmost Authentication-Results, from a trusted host, authenticates the From's domain."""
    if not trusted:
        return Verdict(False, "no trusted authserv-id is configured")
    domain = from_address.rpartition("@")[2].lower()
    if not domain:
        return Verdict(False, "no valid From address")
    if from_ambiguous:
        return Verdict(False, "more than one From")
    if not authentication_results:
        return Verdict(False, "no Authentication-Results header")
    authserv_id, results = parse_authentication_results(authentication_results)
    if authserv_id not in trusted:
        return Verdict(False, f"the topmost Authentication-Results is from “{authserv_id[:60]}”, not a trusted host")
    by_method = {r.method: r for r in results}
    dmarc = by_method.get("dmarc")
    # header.from must name the From domain we read: a receiver that read another From passed another domain.
    if dmarc is not None and dmarc.result == "pass" and dmarc.properties.get("header.from", "").lower() == domain:
        return Verdict(True, f"dmarc=pass for {domain} ({authserv_id})", "dmarc")
    if dmarc is not None and dmarc.result in ("fail", "quarantine", "reject"):
        return Verdict(False, f"dmarc={dmarc.result} for {domain} ({authserv_id})")
    for result in results:
        if result.method == "dkim" and result.result == "pass":
            signer = result.properties.get("header.d") or result.properties.get("header.i", "").rpartition("@")[2]
            if aligned(signer, domain):
                return Verdict(True, f"dkim=pass aligned with {domain} ({authserv_id})", "dkim")
        if result.method == "spf" and result.result == "pass":
            envelope = result.properties.get("smtp.mailfrom", "").rpartition("@")[2]
            if aligned(envelope, domain):
                return Verdict(True, f"spf=pass aligned with {domain} ({authserv_id})", "spf")
    seen = ", ".join(f"{r.method}={r.result}" for r in results[:6]) or "no results"
    return Verdict(False, f"no pass aligned with {domain} ({authserv_id}: {seen})")


def aligned(one: str, other: str) -> bool:
    """The same domain, or one a parent of the other, with at least two labels (see the module's docstring)."""
    one, other = one.strip().strip(".").lower(), other.strip().strip(".").lower()
    if not one or not other:
        return False
    shorter = one if len(one) <= len(other) else other
    longer = other if shorter is one else one
    return shorter.count(".") >= 1 and (longer == shorter or longer.endswith("." + shorter))


def _without_comments(text: str) -> str:
    """Drop (comments), which may nest and hold anything; keep quoted strings as they are."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            out.append(char)
            quoted = char != '"'
            continue
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
            quoted = char == '"'
    return "".join(out)


def _split(text: str, separator: str) -> list[str]:
    """Split outside quoted strings; " " splits on any run of whitespace."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif not quoted and (char == separator or (separator == " " and char.isspace())):
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
