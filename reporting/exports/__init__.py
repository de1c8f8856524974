"""CSV exports of the desk's ticket lists (issue 17 item 4, and issue 13's custom-field columns).

An export is the list exactly as its page shows it: the same door (tickets.selectors.visible_tickets through the
list's base), the same filters (tickets.filters.TicketFilter, custom fields included) and the same sort. Up to
`stream_limit()` rows it is streamed in the request from a server-side cursor, so memory stays flat and the first
bytes leave at once; above it, an ExportJob is built by a task into a stored file that only the member who asked
may download, with progress on its page. There is no row cap either way. Every cell goes through
reporting.csv_export, which neutralises spreadsheet formulas.
"""
