"""The knowledge base's pages: the help centre (kb.views.help), the staff's articles (kb.views.desk) and the
agent's suggestions on a ticket (kb.views.agent)."""

from kb.views.desk import kb_home

__all__ = ["kb_home"]
