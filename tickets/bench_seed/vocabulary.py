"""The benchmark's words. Common words appear in a large share of tickets; "medium" words follow a Zipf curve; rare
words (made-up product codes) appear in roughly 10 tickets per million each, so full-text search sees every
selectivity. `--zipf` adds a vocabulary of made-up words in rank order (bench/search_deciles.py searches them)."""

from __future__ import annotations

import random
from itertools import accumulate

COMMON = [
    "account",
    "invoice",
    "password",
    "login",
    "error",
    "export",
    "payment",
    "refund",
    "order",
    "delivery",
    "update",
    "access",
    "report",
    "email",
    "customer",
    "team",
    "plan",
    "billing",
    "subscription",
    "screen",
    "settings",
    "problem",
    "issue",
    "request",
    "data",
    "file",
    "upload",
    "sync",
]
MEDIUM_REAL = [
    "firewall",
    "printer",
    "vpn",
    "certificate",
    "webhook",
    "timeout",
    "latency",
    "backup",
    "restore",
    "migration",
    "calendar",
    "mobile",
    "android",
    "iphone",
    "browser",
    "firefox",
    "chrome",
    "safari",
    "cache",
    "cookie",
    "token",
    "oauth",
    "saml",
    "sso",
    "ldap",
    "proxy",
    "dns",
    "domain",
    "ssl",
    "invoice",
    "vat",
    "currency",
    "discount",
    "coupon",
    "voucher",
    "warranty",
    "shipment",
    "courier",
    "tracking",
    "parcel",
    "warehouse",
    "return",
    "exchange",
    "license",
    "seat",
    "renewal",
    "downgrade",
    "upgrade",
    "trial",
    "quota",
    "storage",
    "bandwidth",
    "api",
    "endpoint",
    "integration",
    "zapier",
    "slack",
    "teams",
    "outlook",
    "gmail",
    "spreadsheet",
    "csv",
    "pdf",
    "attachment",
    "signature",
    "approval",
    "workflow",
    "escalation",
    "outage",
    "incident",
    "maintenance",
    "keyboard",
    "monitor",
    "laptop",
    "docking",
    "battery",
    "charger",
    "headset",
    "microphone",
    "camera",
    "scanner",
    "router",
    "modem",
    "switch",
    "cable",
    "adapter",
    "firmware",
    "driver",
    "installer",
    "patch",
    "rollback",
    "database",
    "query",
    "index",
    "report",
    "dashboard",
]
SYLLABLES = [
    "ka",
    "zo",
    "ri",
    "mu",
    "ten",
    "lar",
    "vex",
    "qui",
    "dro",
    "pha",
    "nel",
    "sor",
    "tum",
    "bly",
    "gri",
    "xan",
    "cor",
    "vel",
    "mi",
    "tho",
]
FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
]
LAST = [
    "Okafor",
    "Schmidt",
    "Nakamura",
    "Silva",
    "Dubois",
    "Kowalski",
    "Haddad",
    "Novak",
    "Andersson",
    "Rossi",
    "Byrne",
    "Tanaka",
    "Moreau",
]

SUBJECTS = [
    "Invoice {ref} shows the wrong VAT number",
    "Refund for a duplicate charge on {ref}",
    "Card declined when renewing the {w} plan",
    "Can't sign in after password reset",
    "Export button does nothing in {w}",
    "Webhook deliveries failing since yesterday",
    "Upgrade to the team plan",
    "Need a full export of our data",
    "{w} not working after the update",
    "Question about order {ref}",
    "Delivery of {ref} is late",
    "Access request for the {w} report",
    "Error 500 when uploading a file",
    "Sync with {w} stopped",
    "Wrong amount on invoice {ref}",
]
CUSTOMER_OPENERS = [
    "Hi, this started this morning and is blocking our team. Could you take a look?",
    "Hello, since the last update we see an error when we open the settings screen.",
    "We were charged twice for the same invoice, please refund the duplicate payment.",
    "Our users cannot login and the password reset email never arrives.",
    "The export to csv produces an empty file for the monthly report.",
    "Could you tell me the status of my order? The delivery tracking has not changed.",
]
CUSTOMER_FOLLOWUPS = [
    "Thanks for the quick answer. I tried that but it still happens.",
    "Here are the steps: open the page, click export, nothing downloads.",
    "That fixed it, thank you!",
    "Any news on this? Our team is still waiting.",
    "I attached the log from this morning, the error shows at 09:14.",
]
AGENT_LINES = [
    "Thanks for reaching out. I'm looking into this now and will update you shortly.",
    "Could you send a screenshot of the error and the time it happened?",
    "We've applied a fix on our side. Can you confirm it works for you now?",
    "I have forwarded this to our billing team, you will hear from us within a day.",
    "This is a known issue and a patch is scheduled for the next maintenance window.",
]
NOTES = [
    "Checked the logs: matches the known issue from last week.",
    "Asked billing to double-check the invoice.",
    "Customer is on the legacy plan, needs manual migration.",
]


def rare_words(count: int = 5000) -> list[str]:
    """Deterministic made-up words (the same list in every run, so the benchmark can search for them)."""
    rng = random.Random(7)  # noqa: S311 - test data
    words, seen = [], set()
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))) + str(rng.randint(2, 99))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


RARE_WORDS = rare_words()


def medium_words(count: int = 2000) -> list[str]:
    rng = random.Random(11)  # noqa: S311 - test data
    words = list(dict.fromkeys(MEDIUM_REAL))
    while len(words) < count:
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))))
    return list(dict.fromkeys(words))


ZIPF_VOCABULARY = 20_000
ZIPF_EXPONENT = 1.07
ZIPF_WORDS_PER_MESSAGE = 12


def zipf_words(count: int = ZIPF_VOCABULARY) -> list[str]:
    """Deterministic made-up words in rank order for `--zipf` (rank 1 is the most frequent). Three or four
    syllables and a final "x": never one of the other lists' words, and one lexeme to PostgreSQL's parser."""
    rng = random.Random(13)  # noqa: S311 - test data
    words, seen = [], set()
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))) + "x"
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_cum_weights(count: int = ZIPF_VOCABULARY, exponent: float = ZIPF_EXPONENT) -> list[float]:
    """Cumulative weights of rank r ~ 1 / r**exponent, for random.choices."""
    return list(accumulate(1 / (rank**exponent) for rank in range(1, count + 1)))
