"""Routing's pages: the rule editor and its tools (settings, admins) and the ticket's routing panel (desk)."""
