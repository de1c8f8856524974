"""Demo knowledge base for `manage.py seed_demo`: help-centre sections matching the demo's ticket categories,
a dozen public articles answering the demo tickets' questions and a few internal ones for the desk, all written
through the services (versions and audit rows are real). Running it again changes nothing."""

from __future__ import annotations

from kb import services
from kb.models import Article, KbCategory, Visibility
from tickets.models import Category

# (slug, name, description, ticket category parent / child it answers)
SECTIONS = [
    ("billing", "Billing", "Invoices, refunds and paying for your plan.", "Billing", None),
    ("invoices", "Invoices", "", "Billing", "Invoices"),
    ("refunds", "Refunds", "", "Billing", "Refunds"),
    ("payment-methods", "Payment methods", "", "Billing", "Payment methods"),
    ("technical", "Technical help", "Signing in, exports and integrations.", "Technical", None),
    ("sign-in", "Signing in", "", "Technical", "Sign-in problems"),
    ("troubleshooting", "Troubleshooting", "", "Technical", "Bug report"),
    ("integrations", "Integrations", "", "Technical", "Integrations"),
    ("account", "Your account", "Plans, team members and your data.", "Account", None),
    ("plans", "Plans", "", "Account", "Plan changes"),
    ("your-data", "Your data", "", "Account", "Data export"),
    ("subscriptions", "Subscriptions", "", "Billing", "Subscriptions"),
    ("orders", "Orders and delivery", "Shipping, returns and exchanges.", "Orders", None),
    ("shipping", "Shipping", "", "Orders", "Shipping"),
    ("returns", "Returns", "", "Orders", "Returns"),
]
PARENT = {
    "invoices": "billing", "refunds": "billing", "payment-methods": "billing", "sign-in": "technical",
    "troubleshooting": "technical", "integrations": "technical", "plans": "account", "your-data": "account",
    "subscriptions": "billing", "shipping": "orders", "returns": "orders",
}  # fmt: skip

PUBLIC = [
    (
        "invoices",
        "Fix the VAT number on an invoice",
        """
If your invoice shows the wrong VAT number, correct it in your billing details and ask for a corrected invoice.

1. Go to **Settings → Billing → Company details**.
2. Enter the VAT number exactly as registered, including the country prefix (for example `DE123456789`).
3. Save. Invoices issued from now on show the new number.

## Invoices already issued

We can't edit an invoice once it is issued, but we can replace it: reply to your invoice email or
[submit a request](/new/) with the invoice number and we'll issue a corrected invoice within one working day.
The old invoice is cancelled, so your accounts stay clean.
""",
        ["vat", "invoice"],
    ),
    (
        "invoices",
        "Download past invoices",
        """
Every invoice is in **Settings → Billing → Invoices**. Choose an invoice to download it as a PDF.

- Invoices are issued on the day your plan renews.
- Admins of your organisation receive each invoice by email too.
- Need them in another currency? Currency follows your billing country and can't be changed mid-term.
""",
        ["invoice", "pdf"],
    ),
    (
        "refunds",
        "Refund for a duplicate charge",
        """
Sometimes a card payment is taken twice, for example when the payment page was submitted twice.

**You don't need to do anything**: we check payments every night and refund duplicates automatically
within 2 working days. The refund then takes **3 to 5 working days** to reach your card, depending on your bank.

If the second charge is still on your statement after a week, [submit a request](/new/) with:

- the date and amount of both charges,
- the last four digits of the card.

Never send us your full card number.
""",
        ["refund", "duplicate", "charge"],
    ),
    (
        "refunds",
        "Our refund policy",
        """
- **Monthly plans:** cancel any time; the current month is not refunded.
- **Annual plans:** a full refund within 30 days of purchase, pro rata after that.
- **Duplicate or mistaken charges** are always refunded in full.

Refunds go back to the card or account that paid.
""",
        ["refund", "policy"],
    ),
    (
        "payment-methods",
        "Card declined when renewing",
        """
A renewal can fail when the card has expired, the bank blocks the charge, or 3-D Secure needs confirmation.

1. Check the card's expiry date in **Settings → Billing → Payment method**.
2. If it is current, ask your bank to allow recurring payments from us; some banks block them by default.
3. Choose **Retry payment**. If your bank asks you to confirm, approve it in your banking app.

Your account stays active for 7 days after a failed renewal, so nothing is lost while you sort it out.
""",
        ["card", "declined", "renewal", "payment"],
    ),
    (
        "payment-methods",
        "Change the card we charge",
        """
Go to **Settings → Billing → Payment method** and choose **Replace card**. The new card is charged from the
next renewal. Only admins of your organisation can change the payment method.
""",
        ["card", "payment"],
    ),
    (
        "sign-in",
        "Can't sign in after a password reset",
        """
If the new password is refused right after a reset:

1. Make sure you opened the **newest** reset email: each new email cancels the links in older ones.
2. Type the password rather than pasting it: a space at the end counts as a character.
3. Clear your browser's saved password for our site; it may still fill in the old one.
4. After five failed attempts sign-in pauses for 15 minutes. Wait, then try once more.

Still stuck? [Submit a request](/new/) from the email address you sign in with.
""",
        ["password", "sign in", "login"],
    ),
    (
        "troubleshooting",
        "Export button does nothing in Firefox",
        """
In some Firefox versions a strict content-blocking setting stops the download the **Export** button starts.

**Workaround:**

1. Click the shield icon left of the address bar.
2. Turn off **Enhanced Tracking Protection** for our site.
3. Reload the page and choose **Export** again.

Exports also work in Chrome, Edge and Safari. We're working on a fix that needs no setting change.
""",
        ["export", "firefox", "download"],
    ),
    (
        "integrations",
        "Webhook deliveries failing",
        """
Each webhook delivery expects an answer with a **2xx status within 10 seconds**. Anything else counts as a failure
and is retried with backoff for 24 hours.

Check, in order:

1. **The address**: it must be reachable from the internet over HTTPS with a valid certificate.
2. **The response time**: answer first, then do slow work in the background.
3. **The signature**: if you verify the `X-Signature` header, use the signing secret shown on the webhook's page;
   rotating it invalidates the old one.

The webhook's page lists recent deliveries with their status and response, and can redeliver one.
""",
        ["webhook", "integration", "api"],
    ),
    (
        "plans",
        "Upgrade to the team plan",
        """
The team plan adds shared inboxes, roles and reporting.

1. Go to **Settings → Billing → Plan** and choose **Team**.
2. Pick how many seats you need; you can add more later.
3. Confirm. You're charged the difference for the rest of the current period, pro rata.

Only admins can change the plan. Downgrading takes effect at the end of the period.
""",
        ["upgrade", "team", "plan"],
    ),
    (
        "your-data",
        "Export all of your data",
        """
Admins can export everything your organisation stored with us:

1. Go to **Settings → Data → Full export**.
2. Choose **Start export**. Large accounts can take up to an hour.
3. We email a download link when it is ready; the link works for 7 days.

The export is a ZIP of CSV and JSON files, with attachments in their original format.
""",
        ["export", "data", "gdpr"],
    ),
    (
        "account",
        "Add or remove team members",
        """
In **Settings → Members**, choose **Invite** and enter their email address. They get an email to join.
To remove someone, open their row and choose **Remove**: their work stays, their access ends at once.
""",
        ["members", "team"],
    ),
    (
        "account",
        "Change your email address",
        """
Open **Profile → Email**, enter the new address and confirm the link we send to it. Until you confirm,
sign in with the old address.
""",
        ["email", "profile"],
    ),
    (
        "sign-in",
        "Lost the phone with your two-step verification app",
        """
Use one of the **backup codes** you saved when you turned on two-step verification: each works once.

No backup codes? An admin of your organisation can reset your two-step verification in **Settings → Members**;
you then set it up again on your new phone at your next sign-in. If you are the only admin,
[submit a request](/new/) from your sign-in address and we'll verify your identity before resetting it.
""",
        ["two-step", "2fa", "sign in"],
    ),
    (
        "subscriptions",
        "Switch from monthly to annual billing",
        """
In **Settings → Billing → Plan**, choose **Pay yearly**. The unused part of the current month is credited and
the annual price (two months free) is charged at once. Switching back takes effect at the end of the year.
""",
        ["annual", "subscription", "billing"],
    ),
    (
        "payment-methods",
        "Pay by bank transfer with a purchase order",
        """
Annual plans can be paid by bank transfer. Choose **Pay by invoice** at checkout and enter your purchase-order
number: it is printed on the invoice. Payment is due within 30 days; the bank details are on the invoice.
""",
        ["bank transfer", "purchase order", "invoice"],
    ),
    (
        "shipping",
        "Where is my order?",
        """
Your confirmation email has a **tracking link**; parcels usually arrive within 3 to 5 working days.

If the tracking has not moved for 3 working days, or it says delivered but nothing arrived, check with neighbours
and your building's reception, then [submit a request](/new/) with your order number: we open an enquiry with the
carrier and send a replacement if the parcel is lost.
""",
        ["order", "delivery", "tracking"],
    ),
    (
        "returns",
        "Return a damaged or wrong item",
        """
1. Take a photo of the item and the packaging.
2. [Submit a request](/new/) with your order number and the photo within 30 days of delivery.
3. We email a prepaid return label; the replacement or refund follows once the parcel is scanned by the carrier.

You don't need to return items worth less than the postage: we'll tell you.
""",
        ["return", "damaged", "refund"],
    ),
]

INTERNAL = [
    (
        "refunds",
        "Issuing a manual refund (staff)",
        """
Only for duplicates the nightly job missed.

1. Find both charges in the payment provider's dashboard (search by the last four digits).
2. Refund the **later** charge in full, reason "duplicate".
3. Reply with the **Refund issued** canned response; it sets the ticket to resolved.

Refunds over 500 need a supervisor's approval in the ticket as an internal note.
""",
        ["refund", "playbook"],
    ),
    (
        "invoices",
        "Reissuing an invoice with a corrected VAT number (staff)",
        """
1. Check the VAT number in the EU VIES service before changing anything.
2. In the billing admin: **Invoice → Cancel and reissue**. Never edit the PDF.
3. Send the new invoice from the billing admin; it copies the customer's finance contact.
""",
        ["vat", "invoice", "playbook"],
    ),
    (
        "integrations",
        "Webhook incident checklist (staff)",
        """
- Check the status page for an ongoing incident before replying.
- If many tenants report failures at once, escalate to the on-call engineer.
- Ask the customer for the delivery id shown on their webhook page, never for their signing secret.
""",
        ["webhook", "incident"],
    ),
]


def seed(demo) -> None:
    if Article.objects.exists():
        return  # seeded before: running the demo twice keeps its data
    author = demo.people["supervisor"]
    sections = _sections(author)
    for category, title, body, tags in PUBLIC:
        services.create_article(actor=author, title=title, body_markdown=body.strip(), category=sections[category],
                                tags=tags, publish=True)  # fmt: skip
    for category, title, body, tags in INTERNAL:
        services.create_article(actor=author, title=title, body_markdown=body.strip(), category=sections[category],
                                tags=tags, visibility=Visibility.INTERNAL, publish=True)  # fmt: skip


def _sections(author) -> dict[str, KbCategory]:
    found: dict[str, KbCategory] = {}
    for position, (slug, name, description, ticket_parent, ticket_child) in enumerate(SECTIONS):
        ticket_category = Category.objects.filter(
            name=ticket_child or ticket_parent, parent__name=ticket_parent if ticket_child else None
        ).first()
        found[slug] = services.save_category(
            actor=author, name=name, slug=slug, description=description, parent=found.get(PARENT.get(slug, "")),
            position=position, ticket_category=ticket_category,
        )  # fmt: skip
    return found
