"""Every change to the knowledge base goes through these functions (kb.services.<area>)."""

from kb.services.agent import create_article_from_ticket, draft_from_ticket, link_article
from kb.services.articles import (
    archive_article,
    create_article,
    mark_reviewed,
    publish_article,
    restore_version,
    unpublish_article,
    update_article,
    upload_image,
)
from kb.services.categories import save_category
from kb.services.common import KbError, get_settings, may_edit, save_settings, search_config
from kb.services.deflection import confirm_answered, finalise_deflections, open_suggestion, record_request_filed
from kb.services.feedback import count, count_search_miss, flag_outdated, vote

__all__ = [
    "KbError",
    "archive_article",
    "confirm_answered",
    "count",
    "count_search_miss",
    "create_article",
    "create_article_from_ticket",
    "draft_from_ticket",
    "finalise_deflections",
    "flag_outdated",
    "get_settings",
    "link_article",
    "mark_reviewed",
    "may_edit",
    "open_suggestion",
    "publish_article",
    "record_request_filed",
    "restore_version",
    "save_category",
    "save_settings",
    "search_config",
    "unpublish_article",
    "update_article",
    "upload_image",
    "vote",
]
