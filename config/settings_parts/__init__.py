"""Sections of config/settings.py that are long lists of one integration's values, each a module that
settings.py takes in whole at its place (`from config.settings_parts.<part> import *`). Every value is still read
from the environment (`env`), and the security-relevant sections stay in settings.py itself."""
