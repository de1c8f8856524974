"""Availability: agents go online on sign-in, away when idle, and their tickets return to the queue when they stay
offline too long (tenant settings); each change is recorded and, when someone comes online, waiting tickets are
assigned. Switching goes through tenancy.services.set_availability, which hands each change to this package's
`availability_changed` hook (routing/tenant_hooks.py)."""
