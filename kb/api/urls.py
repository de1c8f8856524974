"""/api/v1/kb/ on a tenant host (included before the ticket API's catch-all in config/urls.py)."""

from django.urls import path

from kb.api import views

app_name = "kb_api"

urlpatterns = [
    path("articles/", views.ArticleList.as_view(), name="articles"),
    path("articles/<slug:slug>/", views.ArticleDetail.as_view(), name="article"),
]
