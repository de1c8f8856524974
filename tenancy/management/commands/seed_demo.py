"""Seed the demo tenants "acme" and "globex" with people (and, from each app's demo module, their data)."""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from tenancy.context import tenant_context
from tenancy.demo import seed_tenants


class Command(BaseCommand):
    help = "Create or refresh the demo tenants, people and data. Demo only: it sets a known password."

    def handle(self, *args, **options):
        with transaction.atomic():
            seeded = seed_tenants()
            for config in apps.get_app_configs():
                if config.name == "tenancy" or not _has_module(config.name, "demo"):
                    continue
                module = importlib.import_module(f"{config.name}.demo")
                for demo in seeded:
                    with tenant_context(demo.tenant):
                        module.seed(demo)
        # The logins are printed by serve_demo, last, once the demo answers.
        self.stdout.write(f"Demo data ready: {', '.join(d.tenant.slug for d in seeded)}.")


def _has_module(package: str, name: str) -> bool:
    return importlib.util.find_spec(f"{package}.{name}") is not None
