"""The environment the settings read: the repository's folder, and django-environ's reader with .env loaded
(variables already set win over .env). Imported first by config/settings.py and by each of its parts."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
