"""The JSON API (/api/v1/ on a tenant host): Django REST framework views over the ticket services and
selectors, authenticated by per-tenant API keys (tickets.services.api_keys), documented by drf-spectacular."""
