"""Settings → Custom fields, mounted under /desk/settings/fields/ in the desk namespace (config/urls.py)."""

from django.urls import path

from tickets.views import custom_field_settings as views

settings_patterns = [
    path("", views.custom_field_list, name="custom_fields"),
    path("new/", views.custom_field_new, name="custom_field_new"),
    path("<int:pk>/", views.custom_field_edit, name="custom_field_edit"),
    path("<int:pk>/archive/", views.custom_field_archive, name="custom_field_archive"),
    path("<int:pk>/restore/", views.custom_field_restore, name="custom_field_restore"),
    path("<int:pk>/delete/", views.custom_field_delete, name="custom_field_delete"),
    path("<int:pk>/sort-index/", views.custom_field_sort_index, name="custom_field_sort_index"),
]
