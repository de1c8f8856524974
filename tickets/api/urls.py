"""/api/ on a tenant host: the versioned endpoints, the schema and the docs page."""

from django.urls import path

from tickets.api import docs, views

app_name = "api"

urlpatterns = [
    path("v1/tickets/", views.TicketList.as_view(), name="tickets"),
    path("v1/tickets/<int:number>/", views.TicketDetail.as_view(), name="ticket"),
    path("v1/tickets/<int:number>/messages/", views.TicketMessages.as_view(), name="ticket_messages"),
    path("v1/contacts/", views.ContactList.as_view(), name="contacts"),
    path("v1/contacts/<int:contact_id>/", views.ContactDetail.as_view(), name="contact"),
    path("v1/organisations/", views.OrganisationList.as_view(), name="organisations"),
    path("v1/organisations/<int:organisation_id>/", views.OrganisationDetail.as_view(), name="organisation"),
    path("v1/categories/", views.CategoryList.as_view(), name="categories"),
    path("v1/queues/", views.QueueList.as_view(), name="queues"),
    path("v1/custom-fields/", views.CustomFieldList.as_view(), name="custom_fields"),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("<path:rest>", views.no_such_endpoint, name="not_found"),
]
