"""`manage.py search_phrase_pairs [--refresh] [--backfill]`: the common words whose pairs the search indexes.

Run it after `migrate` and on a schedule (monthly is plenty: the common words of a helpdesk move slowly), with
the migrate job's role (the table owner) as DATABASE_URL so it can VACUUM; rows are read and written on the
platform connection. `--refresh` stores the current list (a new version only when it changed), `--backfill`
gives every vector the list's tokens in batches and marks the list ready; it resumes where a stopped run left.
tickets/search_pairs.py has the details.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tickets import search_pairs


class Command(BaseCommand):
    help = "Refresh the search's common words and backfill their pair tokens (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--refresh", action="store_true", help="Read the common words and frequent pairs anew.")
        parser.add_argument("--backfill", action="store_true", help="Give every vector the list's pair tokens.")
        parser.add_argument("--batch", type=int, default=search_pairs.BATCH_ROWS, help="Rows a transaction.")
        parser.add_argument("--limit", type=int, default=None, help="Rows at most this run (it resumes later).")
        parser.add_argument("--no-vacuum", action="store_true", help="No VACUUM between batches nor ANALYZE after.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Pair tokens live in PostgreSQL's search vectors; this database is " + connection.vendor)
        if options["refresh"]:
            state = search_pairs.refresh()
            self.stdout.write(
                f"version {state.version}: {len(state.words)} common words, {len(state.frequent_pairs)} frequent "
                f"pairs without a token; {'ready' if state.ready else 'needs --backfill'}"
            )
        if options["backfill"]:
            vacuum = None if options["no_vacuum"] else self._vacuum
            state = search_pairs.backfill(
                batch=options["batch"], limit=options["limit"], vacuum=vacuum, log=self.stdout.write
            )
            if state.ready and vacuum is not None:
                self._vacuum(analyze=True)
        state = search_pairs.state()
        progress = "phrases use its pairs" if state.ready else f"backfilled to id {state.backfilled_to}, not in use yet"
        self.stdout.write(f"version {state.version}: {progress}")

    def _vacuum(self, *, analyze: bool = False) -> None:
        connection.ensure_connection()
        if connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = "
                "'tickets_ticket'::regclass), 'USAGE')"
            )
            if not cursor.fetchone()[0]:
                self.stdout.write("not the table's owner: no VACUUM (run VACUUM (ANALYZE) tickets_ticket later)")
                return
            cursor.execute(f"VACUUM {'(ANALYZE) ' if analyze else ''}tickets_ticket")
