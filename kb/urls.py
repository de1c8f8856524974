"""The knowledge base's URLs on a tenant host: the help centre under /help/, the staff's pages under /desk/kb/
(its list is desk:kb, in config/urls.py, for the navigation) and the agent's ticket fragments."""

from django.urls import path

from kb.views import agent, desk, help

app_name = "kb"

urlpatterns = [
    # The help centre (public).
    path("help/", help.help_home, name="help"),
    path("help/search/", help.help_search, name="search"),
    path("help/c/<slug:slug>/", help.help_category, name="category"),
    path("help/articles/<slug:slug>/", help.help_article, name="article"),
    path("help/articles/<slug:slug>/vote/", help.help_vote, name="vote"),
    path("help/articles/<slug:slug>/answered/", help.help_answered, name="answered"),
    path("help/suggestions/", help.form_suggestions, name="suggestions"),
    path("help/suggested/<slug:slug>/", help.open_suggestion, name="open_suggestion"),
    path("help/images/<int:image_id>/", help.image, name="image"),
    # The staff's articles.
    path("desk/kb/new/", desk.article_new, name="article_new"),
    path("desk/kb/preview/", desk.preview, name="preview"),
    path("desk/kb/images/", desk.image_upload, name="image_upload"),
    path("desk/kb/review/", desk.review_list, name="review"),
    path("desk/kb/stats/", desk.stats, name="stats"),
    path("desk/kb/categories/", desk.categories, name="categories"),
    path("desk/kb/categories/<int:pk>/", desk.category_edit, name="category_edit"),
    path("desk/kb/articles/<int:pk>/", desk.article_detail, name="article_detail"),
    path("desk/kb/articles/<int:pk>/edit/", desk.article_edit, name="article_edit"),
    path("desk/kb/articles/<int:pk>/status/", desk.article_status, name="article_status"),
    path("desk/kb/articles/<int:pk>/versions/", desk.versions, name="versions"),
    path("desk/kb/articles/<int:pk>/versions/<int:version>/", desk.version_detail, name="version"),
    path("desk/kb/articles/<int:pk>/versions/<int:version>/restore/", desk.version_restore, name="version_restore"),
    # On a ticket.
    path("desk/kb/tickets/<int:number>/suggestions/", agent.ticket_suggestions, name="ticket_suggestions"),
    path("desk/kb/tickets/<int:number>/link/", agent.ticket_link, name="ticket_link"),
    path("desk/kb/tickets/<int:number>/flag/", agent.ticket_flag, name="ticket_flag"),
    path("desk/kb/tickets/<int:number>/draft/", agent.ticket_draft, name="ticket_draft"),
]
