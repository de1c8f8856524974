"""Per-ticket facts the reports would otherwise derive from the audit events on every page (issue 17).

A `TicketFacts` row holds a ticket's first and final resolution times as reporting.reports.data defines them
(from the resolution events, never `Ticket.resolved_at`), and its creation time, so the speed and agents
reports read one narrow row per ticket instead of probing each resolution's ticket and its earlier and later
resolutions (~80,000 rows, three index probes each, at 800,000 tickets: docs/benchmarks.md). The rows are kept
by a change-feed subscriber (reporting.facts.feed) and filled for existing tickets by
`manage.py backfill_ticket_facts`; tests/reporting/test_ticket_facts.py compares them with the events after
random changes. Business-time durations stay on the SLA targets (the SLA engine writes them outside the feed).
"""
