"""Auto-resolve and auto-close (issue 16 item 4).

- rules: the tenant's settings (sla.models.AutomationSettings), validated together with the reopen window;
- clocks: since when each ticket is pending or resolved (sla.models.StatusClock), the job's candidate index;
- feed: the change-feed subscriber that keeps those clocks;
- run: the periodic job, per tenant: each due ticket re-checked under its row lock, then changed by a named
  automation through the ticket services;
- views, forms: the settings page (Settings → Automation → Auto-resolve and auto-close);
- demo: a few demo tickets that fall due minutes after `make demo` starts.
"""
