"""Account topics: plans, data export, users and privacy."""

from tickets.demo.topics import Exchange, Topic
from tickets.models import Channel

_ACCOUNT = {"queue": "General", "category": "Account"}

TOPICS = (
    Topic(
        key="upgrade-team-plan",
        title="Upgrade to the team plan",
        subcategory="Plan changes",
        subjects=("Upgrade to the team plan", "Moving from Starter to Team", "Price for {seats} seats on Team?"),
        openings=(
            "Hi, we've grown to {seats} people and want to move from Starter to the Team plan. How does the upgrade "
            "work, and what happens to what we've already paid?",
            "We'd like to upgrade to Team so we get shared views and reporting. Do we lose any data when we switch?",
        ),
        clarifications=(
            Exchange(
                "Happy to help. How many people need to sign in: all {seats}, or some who only read reports?",
                "All {seats} of them work tickets, so {seats} seats.",
            ),
        ),
        answers=(
            'Upgrading keeps all your data and takes effect at once: Billing → Plan → "Team", choose {seats} '
            "seats and confirm. What's left of your Starter month is credited, so the first Team invoice is "
            "{amount} minus that credit.",
            "I've upgraded {org} to Team with {seats} seats. Nothing is lost: tickets, contacts and settings stay "
            "as they are, and shared views and reports are available now. The credit for the unused Starter days "
            "is on today's invoice.",
        ),
        follow_ups=(
            Exchange(
                "Can we try Team for a while before committing to a year?",
                "Yes: Team is monthly by default. You can switch to annual (two months free) any time, and go back "
                "down to Starter at the end of a month.",
            ),
        ),
        thanks=("Upgraded, and the reports are exactly what we needed. Thanks!",),
        notes=("Expansion: {seats} seats. Flagged to the account manager.",),
        tags=("plan", "upgrade"),
        priorities=(3, 6, 1, 0),
        channels={Channel.WEB: 4, Channel.EMAIL: 3, Channel.PHONE: 2},
        **_ACCOUNT,
    ),
    Topic(
        key="full-data-export",
        title="A full export of our data",
        subcategory="Data export",
        subjects=(
            "Need a full export of our data",
            "Export all tickets and attachments",
            "Data export for our annual audit",
        ),
        openings=(
            "Hello, for our annual audit we need a full export of all tickets, conversations and attachments since "
            "we started. How can we get that?",
            "We want a complete copy of our data, including attachments, in a format we can read without your "
            "software. Is that possible?",
        ),
        clarifications=(
            Exchange(
                "Do you need attachments as well, or tickets and conversations only? With attachments the export "
                "is about {export_size} and arrives as several files.",
                "With attachments please. The auditors want everything.",
            ),
        ),
        answers=(
            "Admins can start a full export under Settings → Data export: it includes tickets, conversations, "
            "contacts and attachments, as JSON and CSV in a zip. It runs in the background and mails a download "
            "link (valid 7 days) when ready; for your account that's about {export_size}.",
        ),
        follow_ups=(
            Exchange(
                "The link says it has expired. Can you send a new one?",
                "Links last 7 days for security; I've started a new export for you, the mail with a fresh link "
                "arrives within the hour.",
            ),
            Exchange(
                "Is there a way to get this every month automatically?",
                'Yes: under Settings → Data export, "Schedule" runs it on the first of each month and mails the '
                "admins the link.",
            ),
        ),
        thanks=("Downloaded everything, the auditors are happy.",),
        notes=("Export {export_size}; ran fine, link mailed to the tenant admin.",),
        tags=("export", "gdpr"),
        priorities=(3, 6, 1, 0),
        **_ACCOUNT,
    ),
    Topic(
        key="remove-leaver",
        title="Remove a user who has left and hand over their tickets",
        subcategory="Users and permissions",
        subjects=(
            "Remove a user who left the company",
            "Offboarding {colleague}",
            "Transfer open tickets of a leaver",
        ),
        openings=(
            "Hi, {colleague} left {org} last week. Please remove their access. They still have open tickets; those "
            "should go to me.",
            "How do I remove an agent who has left without losing their tickets and history?",
        ),
        answers=(
            'Under Settings → Members, open {colleague} and choose "Remove from this help desk": they can\'t sign '
            "in any more, their history stays, and you're asked who takes over their open tickets. I've done it "
            "for you and moved their open tickets to you.",
        ),
        follow_ups=(
            Exchange(
                "Does removing them free up a seat on our plan?",
                "Yes: removed members don't count. Your next invoice is for one seat fewer, or you can invite the "
                "new colleague into the free seat.",
            ),
        ),
        thanks=("Done, thank you.",),
        tags=("members",),
        priorities=(3, 6, 1, 0),
        **_ACCOUNT,
    ),
    Topic(
        key="delete-personal-data",
        title="Delete a customer's personal data (GDPR erasure)",
        subcategory="Privacy",
        subjects=(
            "GDPR erasure request for a former customer",
            "Please delete all data about {contact_name}",
            "Right to be forgotten request",
        ),
        openings=(
            "Hello, a former customer, {contact_name}, has asked us to delete all personal data we hold about "
            "them. How do we remove them from the help desk?",
            "We received an erasure request under GDPR. Can you confirm how to delete a contact and everything "
            "they wrote?",
        ),
        clarifications=(
            Exchange(
                "Should their tickets be deleted too, or kept with the personal data removed? Some companies must "
                "keep the business record.",
                "Kept, but without anything that identifies them.",
            ),
        ),
        answers=(
            'Open the contact and choose "Erase personal data": their name, email, phone and the text of their '
            "messages are replaced and attachments deleted, while the tickets stay for your statistics. It can't "
            "be undone; the audit trail records who erased and when, which is your proof for the request.",
        ),
        thanks=("Erased, thank you. We've replied to the person.",),
        notes=("Erasure is irreversible; confirmed the customer understood before pointing them to it.",),
        tags=("gdpr", "privacy"),
        priorities=(1, 5, 4, 0),
        channels={Channel.EMAIL: 5, Channel.WEB: 3},
        **_ACCOUNT,
    ),
    Topic(
        key="change-login-email",
        title="Change the email address used to sign in",
        subcategory="Users and permissions",
        subjects=(
            "Change my login email address",
            "Our company changed its domain",
            "Update email address on my account",
        ),
        openings=(
            "Hi, {org} has moved to a new domain, {domain}. How do we change everyone's login email without losing "
            "their accounts?",
            "I need to change the email I sign in with to my new address. The profile page doesn't let me.",
        ),
        answers=(
            "You can change it under Profile → Email: enter the new address and confirm the link we send there; "
            "the old address keeps working until you click it. For a whole company, an admin can do it in bulk "
            'under Settings → Members → "Change domain", and everyone keeps their history.',
        ),
        thanks=("Changed, and the history is all there. Thanks.",),
        tags=("account",),
        priorities=(4, 5, 1, 0),
        **_ACCOUNT,
    ),
)
