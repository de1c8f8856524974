"""The change feed: the audit trail, grouped per transaction and ticket, handed to every subscriber.

- recording: each transaction that records TicketEvents leaves one FeedEntry per ticket (a trigger on
  PostgreSQL, a collector on SQLite) and, once per transaction, one outbox task that drains the feed;
- registry: subscribers (webhooks here; routing, SLA and reporting register theirs in their AppConfig.ready);
- dispatch: the worker's side, which hands new entries to each subscriber in its own transaction, once.
"""
