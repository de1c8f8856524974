"""The benchmark dataset of `manage.py seed_bench` (tickets/management/commands/seed_bench.py), in parts: the words
it writes (vocabulary), the rows it streams as COPY text (rows) and the catalog work around the bulk load (catalog)."""
