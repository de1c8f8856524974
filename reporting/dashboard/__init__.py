"""The live dashboard: a supervisor's view of the whole desk, and an agent's personal one.

Every figure is aggregated by PostgreSQL (COUNT ... FILTER, MIN, AVG), never by Python over tickets, so each panel
runs a fixed number of queries whatever the number of tickets (tests/reporting/test_dashboard_queries.py).
The figures and their definitions are in `panels`; the day and week they count in are in `periods`.
"""
