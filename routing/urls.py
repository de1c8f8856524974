"""Routing's pages: `desk_patterns` under /desk/ (the desk namespace), `settings_patterns` under /desk/settings/."""

desk_patterns: list = []

settings_patterns: list = []
