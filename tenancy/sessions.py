"""Sessions stored under a digest of their key: the session table holds nothing a reader could replay.

The application role must read and write `django_session` (every sign-in does), so an SQL injection could read
it. The cookie carries the key; the database keeps only its BLAKE2b digest (40 hex characters, the column's
width), the cache (Redis in production, out of SQL's reach) keeps its own entry by key as Django's cached_db
engine does. Sessions stored before this engine (raw keys) are simply not found: everyone signs in again once.
"""

from __future__ import annotations

import hashlib

from django.contrib.sessions.backends import cached_db, db
from django.utils import timezone


def session_digest(session_key: str) -> str:
    return hashlib.blake2b(session_key.encode(), digest_size=20).hexdigest()


class _DigestDatabaseStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.session_key is None:
            return None
        try:
            return self.model.objects.get(session_key=session_digest(self.session_key), expire_date__gt=timezone.now())
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    async def _aget_session_from_db(self):
        if self.session_key is None:
            return None
        try:
            return await self.model.objects.aget(
                session_key=session_digest(self.session_key), expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    def exists(self, session_key):
        return self.model.objects.filter(session_key=session_digest(session_key)).exists()

    async def aexists(self, session_key):
        return await self.model.objects.filter(session_key=session_digest(session_key)).aexists()

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.session_key = session_digest(instance.session_key)
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.session_key = session_digest(instance.session_key)
        return instance

    def delete(self, session_key=None):
        session_key = self.session_key if session_key is None else session_key
        if session_key is not None:
            self.model.objects.filter(session_key=session_digest(session_key)).delete()

    async def adelete(self, session_key=None):
        session_key = self.session_key if session_key is None else session_key
        if session_key is not None:
            await self.model.objects.filter(session_key=session_digest(session_key)).adelete()


class SessionStore(cached_db.SessionStore, _DigestDatabaseStore):
    """Django's cached_db engine over the digest-keyed table."""
