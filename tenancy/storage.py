"""File storage paths: every stored file lives under its tenant, with a generated name."""

from __future__ import annotations

import os
import uuid


def tenant_upload_path(instance, filename: str) -> str:
    """tenants/<tenant id>/<model>/<random>.<ext>: never the uploader's name, never another tenant's folder."""
    from tenancy.models import Tenant

    tenant_id = instance.pk if isinstance(instance, Tenant) else instance.tenant_id
    extension = os.path.splitext(filename)[1].lower()
    if not extension[1:].isalnum() or len(extension) > 10:
        extension = ""
    return f"tenants/{tenant_id}/{type(instance).__name__.lower()}/{uuid.uuid4().hex}{extension}"
