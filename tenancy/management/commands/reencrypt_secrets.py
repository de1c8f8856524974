"""Re-encrypt every secret stored at rest with the newest key: the rotation step (README, "Secrets at rest")."""

from django.core.management.base import BaseCommand, CommandError

from tenancy.encryption import SecretUnreadable, encrypted_fields, reencrypt_all


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret (IMAP passwords, webhook secrets) again with the first key of "
        "FIELD_ENCRYPTION_KEYS; afterwards the older keys can be removed."
    )

    def handle(self, *args, **options):
        try:
            written = reencrypt_all()
        except SecretUnreadable as unreadable:
            raise CommandError(f"{unreadable} Nothing was changed for the tenant it belongs to.") from unreadable
        fields = ", ".join(f"{model._meta.label}.{field}" for model, field in encrypted_fields())
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {written} secrets ({fields}) with the newest key."))
