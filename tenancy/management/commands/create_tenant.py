"""Create a tenant and its first admin, and print the link where that admin sets a password."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenancy.services import create_tenant


class Command(BaseCommand):
    help = "Create a tenant with its first admin; prints a set-password link on the tenant's host."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="lowercase name in the host: <slug>.<BASE_DOMAIN>")
        parser.add_argument("name", help="the organisation's name")
        parser.add_argument("admin_email", help="email of the first admin (created if new)")
        parser.add_argument("--prefix", default="", help="ticket number prefix, e.g. ACME (default: from the slug)")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Europe/Berlin")

    def handle(self, *args, slug, name, admin_email, prefix, timezone, **options):
        try:
            created = create_tenant(
                slug=slug, name=name, admin_email=admin_email, ticket_prefix=prefix, timezone=timezone
            )
        except ValidationError as error:
            messages = (
                "; ".join(f"{field}: {' '.join(errs)}" for field, errs in error.message_dict.items())
                if hasattr(error, "message_dict")
                else " ".join(error.messages)
            )
            raise CommandError(f"Tenant not created. {messages}") from error
        tenant = created.tenant
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.name} at {tenant.url()}"))
        self.stdout.write(f"Admin: {created.admin.user.email}")
        self.stdout.write(f"Set the admin's password here (valid for 3 days): {created.set_password_url}")
