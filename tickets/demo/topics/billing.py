"""Billing topics: invoices, refunds, payment methods, subscriptions."""

from tickets.demo.topics import AttachmentSpec, Exchange, Topic
from tickets.models import Channel

_BILLING = {"queue": "Billing", "category": "Billing"}

TOPICS = (
    Topic(
        key="invoice-wrong-vat",
        title="Invoice shows the wrong VAT number",
        subcategory="Invoices",
        subjects=(
            "Invoice {invoice} shows the wrong VAT number",
            "Wrong VAT ID on invoice {invoice}",
            "Please correct the VAT number on our invoices",
        ),
        openings=(
            "Hello,\n\nInvoice {invoice} has our VAT number as {vat_wrong}, but it is {vat}. Our accounts team "
            "can't book the invoice with the wrong number. Could you send a corrected copy?",
            "Hi, our finance department rejected invoice {invoice} because the VAT ID on it is {vat_wrong}. The "
            "right one is {vat}. Can you fix this and make sure the next invoices have it right?",
            "Good morning. The VAT number printed on invoice {invoice} is not ours ({vat_wrong}). Please reissue it "
            "with {vat}; we need it before our quarterly VAT return. The invoice is attached.",
        ),
        clarifications=(
            Exchange(
                "Thanks for flagging this. To change a VAT number we need it to match the company name on the "
                "account. Is the invoice to be issued to {org}, or to another legal entity?",
                "Yes, {org}, same address as before. Only the VAT number is wrong.",
            ),
            Exchange(
                "Could you confirm the VAT number once more, exactly as it appears on your VAT registration? The "
                "tax authority's check is strict about spaces and the country prefix.",
                "It is {vat}, with the country prefix. I checked it against the registration certificate.",
            ),
        ),
        answers=(
            "I've corrected the VAT number on your account to {vat} and reissued invoice {invoice} as a corrected "
            'invoice (same number, marked "corrected"). You can download it under Billing → Invoices; every '
            "future invoice will carry the new number too.",
            "The VAT number is now {vat} on your billing profile. I've cancelled the old invoice {invoice} and "
            "issued a credit note plus a new invoice with the right number; both are under Billing → Invoices.",
        ),
        follow_ups=(
            Exchange(
                "Thanks. Does this also fix the two invoices from earlier this year? They have the same mistake.",
                "Yes: I've reissued those two as well, so every invoice since the number was entered carries {vat}. "
                'They are in the same list, marked "corrected".',
            ),
        ),
        thanks=(
            "The corrected invoice has the right VAT number, thank you. Finance has booked it.",
            "Got it, the new invoice is fine. Thanks for the quick fix.",
        ),
        notes=(
            "Billing profile had the VAT number of a different customer with a similar name, pasted during "
            "onboarding. Corrected and reissued.",
            "The VIES check passes for {vat}. Safe to reissue.",
        ),
        complaints=("It took three emails to get a corrected invoice for a typo that was yours.",),
        escalation="Customer needs the corrected invoice before a VAT filing deadline.",
        waiting="I've asked our accounting provider to reissue the invoice with {vat}; corrected invoices go "
        "through their system and usually take one to two working days. I'll send it as soon as I have it.",
        tags=("invoice", "vat"),
        attachment=AttachmentSpec(kind="invoice_pdf", name="{invoice}.pdf"),
        priorities=(2, 7, 2, 0),
        **_BILLING,
    ),
    Topic(
        key="duplicate-charge-refund",
        title="Refund for a duplicate charge",
        subcategory="Refunds",
        subjects=(
            "Refund for a duplicate charge",
            "Charged twice for {plan} plan this month",
            "Double payment of {amount} on our card",
        ),
        openings=(
            "Hi, we were charged {amount} twice on {date} for the same subscription, both payments ending in card "
            "{last4}. Please refund the second one.",
            "Hello, our bank statement shows two identical charges of {amount} from {brand} on {date}. We only "
            "have one account. Could you look into it and refund the duplicate?",
            "Two charges of {amount} went through on {date} for our {plan} plan. I've attached the statement "
            "lines. One of them needs to be refunded please.",
        ),
        clarifications=(
            Exchange(
                "Sorry about that. I can see one payment on our side; could you send me the last four digits of "
                "the card and the reference of both charges on your statement? That lets me find the second one.",
                'Card ending {last4}. Both lines say "{brand} {plan}" with references {ref_number} and {ref_number2}.',
            ),
        ),
        answers=(
            "You're right: the renewal was retried after a timeout and both attempts went through. I've refunded "
            "the second charge of {amount} (reference {ref_number2}) to the card ending {last4}. Refunds take 5 to "
            "10 working days to show, depending on your bank.",
            "I found the duplicate: payment {ref_number2} on {date}. It is refunded in full ({amount}) to the "
            "original card; you'll get a refund receipt by mail, and the money is back on the card within 5 to 10 "
            "working days.",
        ),
        follow_ups=(
            Exchange(
                "Thanks. It's been a week and I don't see the refund yet. Is there a reference I can give my bank?",
                "Of course: the refund's acquirer reference number (ARN) is {arn}. Your bank can trace it with that "
                "number; most refunds land within 10 working days.",
            ),
            Exchange(
                "Will this happen again next month?",
                "No: the retry bug that caused it was fixed on {date_next}, and renewals are now idempotent, so a "
                "retried payment can't be taken twice.",
            ),
        ),
        thanks=("The refund arrived today. Thanks for sorting it out.", "I see the refund now, all good."),
        notes=(
            "Payment provider shows two captures 40 seconds apart for the same renewal. Refunded the later one.",
            "Third duplicate this month from the retry issue; linking to the engineering ticket.",
        ),
        complaints=(
            "I got my money back, but only after chasing twice. Taking the money twice should not be my problem.",
        ),
        escalation="Refund above the agent limit: needs a supervisor's approval.",
        waiting="I've asked our payment provider to confirm which of the two charges settled; they answer "
        "within two working days, and I'll refund the duplicate as soon as they do.",
        tags=("refund", "duplicate-charge"),
        attachment=AttachmentSpec(kind="statement_csv", name="statement-{date_iso}.csv"),
        priorities=(1, 5, 4, 1),
        **_BILLING,
    ),
    Topic(
        key="card-declined-renewal",
        title="Card declined when the subscription renews",
        subcategory="Payment methods",
        subjects=(
            "Card declined when renewing",
            "Renewal failed: payment declined",
            "Why was our card declined? Account says payment overdue",
        ),
        openings=(
            "Hi, we got an email that the renewal of our {plan} plan failed because the card was declined. The "
            "card works everywhere else. What's going on?",
            'Our account shows "payment overdue" and a banner says the card ending {last4} was declined. '
            "Nothing has changed with the card. Please help, we don't want to lose access.",
            "The renewal on {date} was declined. I've tried the card again under Billing and it says \"Your card "
            'was declined (do_not_honor)".',
        ),
        clarifications=(
            Exchange(
                "Thanks. Is the card a company card issued outside the EU or a virtual card? Some banks refuse "
                "recurring payments from abroad unless they are approved once in the bank's app.",
                "It's a company Visa from our bank, ending {last4}. There was a notification in the banking app "
                "I didn't look at, now I see it.",
            ),
        ),
        answers=(
            'The decline code from the bank is "do_not_honor", which means the bank blocked the payment, not '
            "us. It's usually their fraud check on a recurring charge. Approve it in your banking app (or call the "
            'bank), then press "Retry payment" under Billing → Payment method; your plan stays active for 7 '
            "days meanwhile.",
            'Your bank declined the payment with "authentication_required": the renewal needs a one-time 3-D '
            'Secure confirmation. Go to Billing → Payment method and press "Confirm card"; once confirmed, '
            "renewals go through without it. Nothing is suspended for 7 days.",
        ),
        follow_ups=(
            Exchange(
                "Can we pay by bank transfer instead? Our card limit is tight at the end of the month.",
                "Yes: on an annual plan you can pay by invoice and bank transfer. I've switched your account to "
                "invoice billing; the next invoice comes with our bank details and 30 days to pay.",
            ),
        ),
        thanks=(
            "I approved it in the app and the retry went through. Thanks!",
            "Payment worked after confirming the card. Thank you for explaining.",
        ),
        notes=("Decline code do_not_honor, issuer in {country}. Customer-side, nothing for us to fix.",),
        complaints=("The emails about the failed payment were scary and unclear. We almost lost access.",),
        waiting="I've asked our payment provider for the full decline details from your bank; I'll get back to "
        "you as soon as they answer. Your plan stays active meanwhile.",
        tags=("payment", "renewal"),
        priorities=(1, 5, 4, 2),
        **_BILLING,
    ),
    Topic(
        key="invoice-copies-for-accountant",
        title="Copies of past invoices for an accountant",
        subcategory="Invoices",
        subjects=(
            "All invoices for {year} for our accountant",
            "Need copies of last year's invoices",
            "Invoice history download",
        ),
        openings=(
            "Hello, our accountant needs every invoice from {year}. Is there a way to download them all at once "
            "instead of one by one?",
            "Hi, could you email me copies of all our invoices from last year? The person who used to get them "
            "has left.",
        ),
        answers=(
            'Under Billing → Invoices there\'s a "Download all" button above the list: choose {year} and you get '
            "one zip with every invoice as a PDF. I've also added {email} as a billing contact, so new invoices "
            "come to you by mail.",
            "I've put all {count} invoices from {year} in one zip under Billing → Invoices, ready to download. "
            'For any other year, "Download all" there does the same, and billing contacts get each invoice '
            "by mail.",
        ),
        follow_ups=(
            Exchange(
                "Can invoices go to our accounts inbox as well as to me?",
                "Yes: Billing → Contacts takes several addresses. I've added accounts@{domain}; both of you get the "
                "next invoice.",
            ),
        ),
        thanks=("Perfect, that's everything the accountant asked for.",),
        notes=("Previous billing contact left the company; updated to the requester.",),
        tags=("invoice",),
        priorities=(5, 5, 1, 0),
        **_BILLING,
    ),
    Topic(
        key="cancel-and-refund",
        title="Cancel the subscription and refund unused months",
        subcategory="Refunds",
        subjects=(
            "Cancel subscription and refund",
            "Please cancel our annual plan",
            "Cancellation: refund of unused months?",
        ),
        openings=(
            "Hi, we're closing the office at {org} at the end of the month and need to cancel. We paid annually "
            "in {month}. Can we get the unused months back?",
            "Please cancel our subscription. We've moved to a different tool. Is a partial refund possible for "
            "the annual plan we paid in {month}?",
        ),
        clarifications=(
            Exchange(
                "Sorry to see you go. Before I cancel: do you want to export your data first? After cancellation "
                "the account stays readable for 30 days, then it is deleted.",
                "Yes, we'd like an export. Please cancel after that.",
            ),
        ),
        answers=(
            "Done: your subscription ends on {date_next} and won't renew. Annual plans are refunded pro rata for "
            "whole unused months, so I've refunded {amount} to the card ending {last4}. You can export everything "
            "under Settings → Data export until the account closes.",
            "I've cancelled the renewal. Our terms don't refund annual plans after 30 days, but I've made an "
            "exception for the {refund_months} unused months: {amount} back to your card within 10 working days.",
        ),
        thanks=("Thank you, that's fair. The export worked too.",),
        notes=("Pro-rata refund approved by {supervisor} (annual plan, more than 30 days in).",),
        complaints=("Cancelling should not need a support ticket.",),
        escalation="Refund outside the standard terms: needs approval.",
        tags=("cancellation", "refund"),
        priorities=(3, 6, 1, 0),
        **_BILLING,
    ),
    Topic(
        key="switch-to-annual-billing",
        title="Switch from monthly to annual billing",
        subcategory="Subscriptions",
        subjects=("Switch to annual billing", "Annual discount for our plan?", "Monthly to yearly billing"),
        openings=(
            "Hi, we're on the monthly {plan} plan with {seats} seats. What would annual billing cost, and can we "
            "switch now?",
            "Is there a discount for paying yearly? We'd like to move our account to annual billing.",
        ),
        answers=(
            "Annual billing is two months free: for {seats} seats on {plan} that's {amount} a year instead of "
            'twelve monthly payments. You can switch under Billing → Plan → "Pay yearly"; the unused part of '
            "this month is credited on the first annual invoice.",
            "I've switched you to annual billing from your next renewal on {date_next}. The annual price for "
            "{seats} seats is {amount} (two months free), and adding seats during the year is charged pro rata.",
        ),
        follow_ups=(
            Exchange(
                "If we add people during the year, do we pay the full year for them?",
                "No, only the remaining months: a seat added halfway through the year costs half the annual price "
                "per seat, on a separate invoice.",
            ),
        ),
        thanks=("Great, switched. Thanks for the clear answer.",),
        tags=("plan", "billing-cycle"),
        priorities=(5, 5, 0, 0),
        **_BILLING,
    ),
    Topic(
        key="pay-by-bank-transfer",
        title="Pay by bank transfer with a purchase order number",
        subcategory="Payment methods",
        subjects=(
            "Pay by bank transfer with PO number",
            "Purchase order {po} must be on the invoice",
            "Invoice payment instead of card",
        ),
        openings=(
            "Hello, our procurement rules don't allow card payments. Can we pay by bank transfer, and can purchase "
            "order {po} appear on the invoice?",
            "Hi, accounts payable will only pay invoices that show our PO number {po}. Can you add it and send "
            "the invoice again?",
        ),
        clarifications=(
            Exchange(
                "Certainly. Should the PO number appear on this invoice only, or on every invoice until you tell us "
                "otherwise?",
                "On every invoice until the end of {year}, then we'll send a new PO.",
            ),
        ),
        answers=(
            "I've added PO {po} to your billing profile, so it is printed on every invoice until you change it, "
            "and switched you to payment by bank transfer (30 days). Invoice {invoice} has been reissued with the "
            "PO number and our bank details.",
        ),
        thanks=("Accounts payable accepted the new invoice. Thanks.",),
        notes=("Invoice billing enabled (annual plan, above the threshold). PO stored on the billing profile.",),
        tags=("invoice", "purchase-order"),
        priorities=(3, 6, 1, 0),
        channels={Channel.EMAIL: 6, Channel.WEB: 2, Channel.PHONE: 1},
        **_BILLING,
    ),
)
