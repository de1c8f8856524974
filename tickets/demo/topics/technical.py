"""Technical topics: signing in, bugs, integrations, performance."""

from tickets.demo.topics import AttachmentSpec, Exchange, Topic
from tickets.models import Channel

_TECH = {"queue": "Technical", "category": "Technical"}

TOPICS = (
    Topic(
        key="sign-in-after-password-reset",
        title="Can't sign in after a password reset",
        subcategory="Sign-in problems",
        subjects=(
            "Can't sign in after password reset",
            "Password reset worked but login still fails",
            "Locked out after changing my password",
        ),
        openings=(
            "Hi, I reset my password this morning with the link you sent, but signing in with the new password "
            'says "Please enter a correct email and password". I\'ve tried three times.',
            "After the password reset I still can't get in. The reset page said the password was changed, then "
            "the sign-in page rejects it. I'm {email}.",
            "I can't sign in since I changed my password yesterday. Now it says my account is locked for a while.",
        ),
        clarifications=(
            Exchange(
                "Sorry for the trouble. Do you sign in on {org}'s own address, or through \"Sign in with your "
                'company account"? Accounts that use single sign-on ignore the password entirely.',
                "I use the normal sign-in page with email and password. We don't have single sign-on.",
            ),
            Exchange(
                "Could you check whether a password manager filled in the old password? Browsers often save the "
                "new password only for the reset page, not for the sign-in page.",
                "You're right, it was filling in the old one. But now it says locked.",
            ),
        ),
        answers=(
            "Your account was locked after five failed attempts with the old password (a password manager kept "
            "filling it in). I've lifted the lock; sign in with the new password, typing it by hand once, and "
            "update the saved entry in your password manager.",
            "I can see the reset went through at {time}, followed by five failed attempts, which locks the account "
            "for an hour to stop password guessing. I've unlocked it now; the new password works.",
        ),
        follow_ups=(
            Exchange(
                "It works now. Can I switch on two-step verification while I'm at it?",
                'Yes: Profile → Security → "Two-step verification", scan the code with an authenticator app and '
                "keep the recovery codes somewhere safe.",
            ),
        ),
        thanks=("I'm in. Thank you!", "Signed in fine now, thanks for unlocking it."),
        notes=(
            "Sign-in log: reset at {time}, then five failures from the same address → lockout. Unlocked by hand.",
            "Not an SSO account; plain password. Lockout is working as designed.",
        ),
        complaints=("Locked out for most of a morning because of a lock I didn't know existed.",),
        tags=("sign-in", "lockout"),
        priorities=(1, 5, 4, 1),
        channels={Channel.WEB: 3, Channel.EMAIL: 3, Channel.PHONE: 3},
        **_TECH,
    ),
    Topic(
        key="export-button-firefox",
        title="The export button does nothing in Firefox",
        subcategory="Bug report",
        subjects=(
            "Export button does nothing in Firefox",
            "Reports export not working in {browser}",
            "CSV export: click does nothing",
        ),
        openings=(
            "Hi, on Reports → Export nothing happens when I click the button in {browser}. No file, no error. It "
            "works in Chrome. Screenshot attached.",
            "The export button on the reports page doesn't react in Firefox. I need the monthly report by "
            "{weekday}. Is this a known problem?",
        ),
        clarifications=(
            Exchange(
                "Thanks for the screenshot. Could you open the browser console (Ctrl+Shift+K) and click Export again? "
                "Any red line there would tell us what blocks the download.",
                'There\'s one red line: "Download blocked: the request was blocked by the content blocker". I have '
                "an ad blocker extension installed.",
            ),
            Exchange(
                "Which version of Firefox is it (Menu → Help → About Firefox), and do you use any privacy or ad-block "
                "extensions?",
                "{browser}, with uBlock Origin and the company's password manager.",
            ),
        ),
        answers=(
            "Found it: in Firefox the export opens in a new tab that content blockers treat as a pop-up, so the "
            "file never arrives. We've changed the export to download in the same tab (live since this morning). "
            "Reload the page with Ctrl+F5 and the button works; no need to disable your blocker.",
            'The export link is blocked by the ad-block extension because its address contains "/track/". Until '
            'our fix ships on {date_next}, allow our site in the extension (click its icon → "Disable on this '
            'site") and the export downloads at once.',
        ),
        follow_ups=(
            Exchange(
                "The export works now, but the CSV opens with all columns in one in Excel.",
                "That's Excel's list separator: our CSV uses commas. Use Data → From Text/CSV and choose comma, or "
                'pick "Excel (.xlsx)" in the export\'s format menu, which opens directly.',
            ),
        ),
        thanks=("Works after the reload, thanks!", "Export downloads fine in Firefox now."),
        notes=(
            "Reproduced with Firefox and uBlock Origin: the export URL matches a tracking filter. Engineering fix "
            "in review.",
            "Known issue, see the other Firefox export tickets this week.",
        ),
        complaints=("A basic export broken for a week in a major browser.",),
        escalation="Affects several customers on Firefox; needs engineering.",
        waiting="I've reproduced this and handed it to our engineers with your details; the fix is scheduled for "
        "{date_next}. Meanwhile the export works in Chrome or Edge.",
        tags=("export", "firefox", "bug"),
        attachment=AttachmentSpec(kind="screenshot", name="export-firefox.png"),
        priorities=(1, 6, 3, 0),
        **_TECH,
    ),
    Topic(
        key="webhook-deliveries-failing",
        title="Webhook deliveries failing",
        subcategory="Integrations",
        subjects=(
            "Webhook deliveries failing since yesterday",
            "Webhooks return 401 on our endpoint",
            "Our integration stopped receiving ticket events",
        ),
        openings=(
            "Hi, since yesterday our endpoint at https://{webhook_host}/tessera doesn't receive any webhook events. "
            "The delivery log shows errors. Nothing changed on our side as far as I know.",
            "Our webhook deliveries all fail with 401 since {date}. Attached the delivery log. Did you change the "
            "signature format?",
        ),
        clarifications=(
            Exchange(
                "Thanks. The delivery log shows your endpoint answering 401 Unauthorized. Did anyone rotate the "
                "webhook's signing secret on your side or ours, or change the receiving server?",
                "Our ops team rotated secrets on {date} as part of a security review. Possibly the webhook secret too.",
            ),
            Exchange(
                "Could you send the response body your endpoint returns for one failed delivery? The log shows only "
                "the status code.",
                'It says {{"error": "invalid signature"}}.',
            ),
        ),
        answers=(
            "The 401s come from your endpoint rejecting the signature: the secret on your server was rotated, but "
            "the webhook here still signs with the old one. Under Settings → Webhooks, open the webhook, press "
            '"Rotate secret", put the new secret on your server, then "Send test event". Failed deliveries '
            "are retried for 24 hours, so nothing from yesterday is lost.",
            "Your endpoint's TLS certificate expired on {date}, so our deliveries fail before they reach your "
            "application. Renew the certificate; we retry failed deliveries with backoff for 24 hours, and you can "
            "resend older ones from the delivery log.",
        ),
        follow_ups=(
            Exchange(
                "Fixed the secret and the test event arrives. Will the failed events from yesterday come by "
                "themselves?",
                "Those within the last 24 hours are retried automatically and should arrive within the hour. Older "
                'ones: open the delivery log, filter by "failed" and press "Resend".',
            ),
        ),
        thanks=("Everything is arriving again. Thanks for the help.", "Test event arrived, deliveries are green."),
        notes=("Delivery log: 100% 401 since {date}. Customer-side secret mismatch.",),
        complaints=("We lost a day of events before anyone told us what was wrong.",),
        escalation="Integration down for a paying customer for more than a day.",
        waiting="I've asked our platform team to check the outgoing requests on our side for your webhook; "
        "I'll update you as soon as they report.",
        tags=("webhooks", "integration"),
        attachment=AttachmentSpec(kind="webhook_log", name="delivery-log.txt"),
        priorities=(0, 4, 5, 2),
        channels={Channel.WEB: 3, Channel.EMAIL: 3, Channel.API: 2},
        **_TECH,
    ),
    Topic(
        key="two-factor-lost-phone",
        title="Lost the phone with the two-step verification app",
        subcategory="Sign-in problems",
        subjects=(
            "Lost my phone, can't get past two-step verification",
            "New phone: authenticator codes gone",
            "Reset two-factor authentication",
        ),
        openings=(
            "Hi, my phone was stolen and with it the authenticator app. I can't sign in without the code. I don't "
            "have the recovery codes either.",
            "I got a new phone and didn't move the authenticator app. Now I can't sign in. Can you switch off "
            "two-step verification for {email}?",
        ),
        clarifications=(
            Exchange(
                "We can reset two-step verification, but first we must be sure it's you. Could an admin of {org} "
                "confirm the request by replying here, or could you call us from the number on your account?",
                "I've asked {colleague}, our admin, to reply to this ticket.",
            ),
        ),
        answers=(
            "Thanks, your admin confirmed. I've reset two-step verification on your account: sign in with your "
            "password and you'll be asked to set it up again. Save the recovery codes this time, e.g. in your "
            "password manager.",
        ),
        thanks=("Set up again with the new phone. Thanks!",),
        notes=("Identity confirmed by the tenant admin {colleague} on this ticket. 2FA reset.",),
        complaints=("Two days without access while you verified me.",),
        tags=("sign-in", "2fa"),
        priorities=(0, 4, 5, 1),
        channels={Channel.EMAIL: 4, Channel.PHONE: 4, Channel.WEB: 1},
        **_TECH,
    ),
    Topic(
        key="sso-saml-setup",
        title="Setting up single sign-on (SAML)",
        subcategory="Integrations",
        subjects=(
            'SAML single sign-on: "invalid audience"',
            "Setting up SSO with {idp}",
            "SSO login fails after configuring {idp}",
        ),
        openings=(
            'Hello, we\'re configuring SAML SSO with {idp}. When we test it, your side says "invalid audience". '
            "What should the audience / entity ID be?",
            "We set up single sign-on with {idp} following your guide, but users land on an error page after "
            "signing in at {idp}. Screenshot attached.",
        ),
        clarifications=(
            Exchange(
                "Could you send the SAML response from a failed attempt (a SAML tracer extension captures it), or "
                "at least the Audience and Recipient values in it?",
                "Audience is https://{domain}/saml, Recipient is our own URL. I think we copied the wrong field.",
            ),
            Exchange(
                "Which name ID format does {idp} send: email address, or a persistent ID?",
                "Persistent, it seems. Should it be the email address?",
            ),
        ),
        answers=(
            'The audience must be our entity ID, shown under Settings → Single sign-on as "Entity ID" '
            "(https://{brand_host}/saml/metadata/), and the reply (ACS) URL the one just below it. In {idp}, set "
            'both, choose "Email address" as the name ID format, and the test sign-in will go through.',
        ),
        follow_ups=(
            Exchange(
                "It works for me. Can we force everyone to use SSO and disable passwords?",
                'Yes: once two admins have signed in through SSO, Settings → Single sign-on offers "Require single '
                'sign-on". Keep one admin able to use a password, in case {idp} is down.',
            ),
            Exchange(
                "Do users we add in {idp} get an account automatically?",
                'With "Create accounts on first sign-in" switched on, yes, as agents without queues; an admin then '
                "adds them to teams. Removing them in {idp} blocks their sign-in at once.",
            ),
        ),
        thanks=("SSO is live for the whole team. Thanks for the patience.",),
        notes=("Customer pasted their own ACS URL as audience. Common mistake; guide should say it louder.",),
        escalation="Enterprise rollout blocked on SSO; customer's go-live is this week.",
        tags=("sso", "saml"),
        attachment=AttachmentSpec(kind="screenshot", name="sso-error.png"),
        priorities=(0, 4, 5, 1),
        **_TECH,
    ),
    Topic(
        key="slow-dashboard",
        title="Dashboard slow to load",
        subcategory="Performance",
        subjects=("Dashboard takes 30 seconds to load", "Everything is very slow today", "Reports page times out"),
        openings=(
            "Hi, since {weekday} the dashboard takes about 30 seconds to load, sometimes it times out. Other pages "
            "are fine. We have about {count} tickets.",
            "The app has been really slow all morning for our whole team in {city}. Is there an outage?",
        ),
        clarifications=(
            Exchange(
                "Is it slow for everyone at {org} or for some people, and does it happen with the date range set to "
                '"Last 7 days" too?',
                'Everyone. With "Last 7 days" it\'s fast; with "This year" it takes ages.',
            ),
        ),
        answers=(
            'The "This year" range recomputed every chart from all your tickets on each load. We now keep daily '
            "totals, and since last night's update the dashboard loads in under two seconds for any range. Let me "
            "know if it is still slow for you.",
            "There was a slowdown between 09:10 and 10:40 this morning caused by a database maintenance task that "
            "ran during the day by mistake. It's fixed and everything is back to normal speed; the status page has "
            "the details.",
        ),
        thanks=("Much faster now, thank you.",),
        notes=("Slow query on the yearly range, no daily rollup for this tenant. Engineering backfilled it.",),
        complaints=("Half a day of a slow app with no status update.",),
        escalation="Performance problem affecting a whole team.",
        waiting="Our engineers are looking into the slow yearly range and will roll out a fix; I'll update you "
        "as soon as it's live.",
        tags=("performance",),
        priorities=(0, 3, 5, 2),
        **_TECH,
    ),
    Topic(
        key="notification-emails-missing",
        title="Notification emails not arriving",
        subcategory="Bug report",
        subjects=(
            "Not receiving notification emails",
            "Our customers don't get your emails",
            "Emails from the help desk go to spam",
        ),
        openings=(
            "Hello, our customers say they never get the confirmation email after writing to us. Some found them "
            "in spam. We send from support@{domain}.",
            "Hi, notification emails stopped arriving for our agents since {date}. Nothing in spam either.",
        ),
        clarifications=(
            Exchange(
                "Could you forward one of the mails that went to spam, with its full headers? The "
                "Authentication-Results line tells us whether SPF and DKIM passed.",
                "Attached one. It says spf=softfail and dkim=none.",
            ),
        ),
        answers=(
            "The mails fail SPF and DKIM for {domain} because we send them on your domain's behalf without being "
            "authorised in its DNS. Add the two records shown under Settings → Email → Sending domain (an SPF "
            'include and a DKIM key) and press "Verify"; mail then passes and stops landing in spam.',
        ),
        follow_ups=(
            Exchange(
                'We added the records. The page still says "not verified".',
                "DNS changes can take up to an hour to reach us; I've just re-checked and both records now verify. "
                "New mail is signed from now on.",
            ),
        ),
        thanks=("Confirmations land in the inbox now. Thank you!",),
        notes=("SPF softfail, no DKIM for {domain}. Sending domain never verified.",),
        tags=("email", "deliverability"),
        attachment=AttachmentSpec(kind="spam_example_eml", name="landed-in-spam.eml"),
        priorities=(0, 5, 4, 1),
        **_TECH,
    ),
    Topic(
        key="api-rate-limit",
        title="API returns 429 Too Many Requests",
        subcategory="Integrations",
        subjects=(
            "API returns 429 Too Many Requests",
            "Rate limit hit during nightly sync",
            "What is the API rate limit?",
        ),
        openings=(
            "Hi, our nightly sync with the API started failing with 429 Too Many Requests around {count} requests "
            "in. What are the limits and how should we handle them?",
            "Our integration gets HTTP 429 from /api/v1/tickets/ since we added more agents. Can you raise our limit?",
        ),
        clarifications=(
            Exchange(
                "Does your sync read page by page with the `next` links, or request each ticket separately?",
                "Each ticket separately, about {count} calls in a few minutes.",
            ),
        ),
        answers=(
            "The limit is 600 requests a minute per API key, and a 429 comes with a Retry-After header saying how "
            "many seconds to wait. Read the list endpoint page by page (page_size up to 200) instead of one call "
            "per ticket: your sync then needs a few dozen requests, well under the limit.",
        ),
        follow_ups=(
            Exchange(
                "Can we get only what changed since the last sync?",
                "Yes: pass updated_after with the time of your last run and sort=updated; that returns only tickets "
                "changed since then.",
            ),
        ),
        thanks=("Rewrote the sync with paging, runs in 20 seconds now. Thanks.",),
        notes=("One call per ticket, no paging. Advised the list endpoint; no limit change needed.",),
        tags=("api", "rate-limit"),
        priorities=(2, 6, 2, 0),
        channels={Channel.API: 3, Channel.EMAIL: 3, Channel.WEB: 2},
        **_TECH,
    ),
    Topic(
        key="contacts-import-fails",
        title="Importing contacts from a CSV fails",
        subcategory="Bug report",
        subjects=(
            "Contacts import fails at row {row}",
            'CSV import: "invalid date"',
            "Can't import our customer list",
        ),
        openings=(
            'Hi, importing our customer list stops with "Row {row}: invalid date". The file is attached. The '
            "dates look fine to me.",
            "We're moving from our old system and the contacts import fails halfway. File attached.",
        ),
        clarifications=(
            Exchange(
                "Thanks for the file. Which program saved it, and in which language is it set? The dates are "
                "written day first.",
                "Excel, set to German. So the dates are 31.01.2024 style.",
            ),
        ),
        answers=(
            "The import expects dates as YYYY-MM-DD, and row {row} has 31.01.2024. In the import's second step "
            'there\'s a "Date format" menu: choose DD.MM.YYYY and every row goes through. I tried your file that '
            "way and all {count} contacts import.",
        ),
        thanks=("Imported everything with the date format setting. Thanks.",),
        notes=("File uses DD.MM.YYYY; import defaults to ISO. Suggested the date format option.",),
        tags=("import", "contacts"),
        attachment=AttachmentSpec(kind="contacts_csv", name="contacts-export.csv"),
        priorities=(2, 6, 1, 0),
        **_TECH,
    ),
    Topic(
        key="mobile-app-crash",
        title="Mobile app crashes when opening attachments",
        subcategory="Bug report",
        subjects=(
            "iOS app crashes when I open an attachment",
            "Mobile app closes on {phone_model}",
            "App crash on PDF attachments",
        ),
        openings=(
            "Hi, the app on my {phone_model} closes every time I tap a PDF attachment on a ticket. Images open "
            "fine. App version {version}.",
            "Since the last update the mobile app crashes when opening attachments. Several of our agents have it.",
        ),
        clarifications=(
            Exchange(
                "Thanks. Which iOS version is the phone on (Settings → General → About)? And does it happen with "
                "every PDF or only large ones?",
                "iOS 17.5. Only the big ones, I think, scanned contracts of a few MB.",
            ),
        ),
        answers=(
            "Thanks, that pinned it down: version {version} runs out of memory rendering large scanned PDFs on "
            "iOS 17. Version {version_next}, in the App Store since today, opens them in the system viewer "
            "instead. Please update and try again.",
        ),
        thanks=("Updated and it opens fine now.",),
        notes=("Crash reports match the PDF renderer memory issue fixed in {version_next}.",),
        complaints=("The app was unusable for two weeks for our field team.",),
        waiting="The fix is in review at Apple; I'll let you know as soon as version {version_next} is in the App "
        "Store.",
        tags=("mobile", "ios", "bug"),
        priorities=(1, 5, 3, 0),
        **_TECH,
    ),
)
