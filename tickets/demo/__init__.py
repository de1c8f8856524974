"""Demo data for `manage.py seed_demo` (which finds each app's `demo` module and calls its `seed(demo)`).

- `tickets.demo.topics.TOPICS`: what customers write about, each with a stable key (other apps seed against it);
- `tickets.demo.cast`: the requesters, from a seed;
- `tickets.demo.conversations`: deterministic plans of tickets and their conversations, from a seed;
- `tickets.demo.generator`: plays the plans through the ticket services at their historical times;
- `tickets.demo.attachments`: the small files customers attach, made in code.
"""

from tickets.demo.generator import seed

__all__ = ["seed"]
