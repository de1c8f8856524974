"""django-helpdesk 2.6.1, the peer issue 21 measures Tessera against, as a minimal project of its own.

Its code runs only in its own virtualenv (bench/peer/install.sh); Tessera's bench.peer_compare drives it.
"""
