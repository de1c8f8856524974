"""Settings → Categories and Queues (admins). Each page is a form and a service (tenancy.settings_pages);
deletes that would strand tickets are refused with what to do instead (archive, merge)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_action, settings_form_page
from tickets.models import Category, Queue
from tickets.selectors.structure import list_category_tree, list_queues_with_counts
from tickets.services import categories as category_services
from tickets.services import queues as queue_services
from tickets.structure_forms import CategoryEditForm, CategoryForm, CategoryMergeForm, QueueForm, QueueMergeForm

# --- Categories ------------------------------------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    """The category tree with how many tickets each files, and a form to add one."""
    form = CategoryForm(request.POST or None)
    return settings_form_page(
        request,
        form=form,
        template="tickets/settings/categories.html",
        success="Category added.",
        save=lambda data: category_services.create_category(actor=request.membership, **data),
        redirect_to="desk:categories",
        context={"tree": list_category_tree()},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def category(request: HttpRequest, pk: int) -> HttpResponse:
    """One category: rename it, offer or hide it in the portal, reorder it; archive, merge or delete it."""
    row = get_object_or_404(Category.objects.select_related("parent"), pk=pk)
    initial = {"name": row.name, "parent": row.parent, "is_public": row.is_public, "position": row.position}
    form = CategoryEditForm(request.POST or None, initial=initial, category=row)
    return settings_form_page(
        request,
        form=form,
        template="tickets/settings/category.html",
        success="Category saved.",
        save=lambda data: category_services.update_category(actor=request.membership, category=row, **data),
        redirect_to=reverse("desk:category", args=[row.pk]),
        context={"category": row, "merge_form": CategoryMergeForm(category=row)},
    )


@role_required(Role.ADMIN)
@require_POST
def category_archive(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Category, pk=pk)
    archived = row.is_active
    return settings_action(
        request,
        perform=lambda: category_services.archive_category(actor=request.membership, category=row, archived=archived),
        success=f"“{row.name}” archived: no longer offered." if archived else f"“{row.name}” is offered again.",
        redirect_to=reverse("desk:category", args=[row.pk]),
    )


@role_required(Role.ADMIN)
@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Category, pk=pk)
    response = settings_action(
        request,
        perform=lambda: category_services.delete_category(actor=request.membership, category=row),
        success=f"“{row.name}” deleted.",
        redirect_to=reverse("desk:category", args=[row.pk]),
    )
    return _back_to_list_if_gone(response, Category, row.pk, "desk:categories")


@role_required(Role.ADMIN)
@require_POST
def category_merge(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Category, pk=pk)
    form = CategoryMergeForm(request.POST, category=row)
    if not form.is_valid():
        messages.error(request, "Choose a category to merge into.")
        return redirect("desk:category", pk=row.pk)
    target = form.cleaned_data["target"]
    response = settings_action(
        request,
        perform=lambda: category_services.merge_category(actor=request.membership, source=row, target=target),
        success=f"“{row.name}” merged into “{target.name}”: its tickets moved.",
        redirect_to=reverse("desk:category", args=[row.pk]),
    )
    return _back_to_list_if_gone(response, Category, row.pk, "desk:categories")


# --- Queues ----------------------------------------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def queues(request: HttpRequest) -> HttpResponse:
    """Every queue with its team, assignment, default priority and ticket count, and a form to add one."""
    form = QueueForm(request.POST or None)
    return settings_form_page(
        request,
        form=form,
        template="tickets/settings/queues.html",
        success="Queue added.",
        save=lambda data: queue_services.create_queue(actor=request.membership, **data),
        redirect_to="desk:queues",
        context={"queues": list(list_queues_with_counts())},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def queue_settings(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Queue.objects.select_related("team"), pk=pk)
    initial = {
        "name": row.name,
        "team": row.team,
        "assignment_strategy": row.assignment_strategy,
        "default_priority": row.default_priority,
        "is_default": row.is_default,
    }
    form = QueueForm(request.POST or None, initial=initial)
    return settings_form_page(
        request,
        form=form,
        template="tickets/settings/queue.html",
        success="Queue saved.",
        save=lambda data: queue_services.update_queue(actor=request.membership, queue=row, **data),
        redirect_to=reverse("desk:queue_settings", args=[row.pk]),
        context={"queue": row, "merge_form": QueueMergeForm(queue=row)},
    )


@role_required(Role.ADMIN)
@require_POST
def queue_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Queue, pk=pk)
    response = settings_action(
        request,
        perform=lambda: queue_services.delete_queue(actor=request.membership, queue=row),
        success=f"“{row.name}” deleted.",
        redirect_to=reverse("desk:queue_settings", args=[row.pk]),
    )
    return _back_to_list_if_gone(response, Queue, row.pk, "desk:queues")


@role_required(Role.ADMIN)
@require_POST
def queue_merge(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Queue, pk=pk)
    form = QueueMergeForm(request.POST, queue=row)
    if not form.is_valid():
        messages.error(request, "Choose a queue to move the tickets to.")
        return redirect("desk:queue_settings", pk=row.pk)
    target = form.cleaned_data["target"]
    response = settings_action(
        request,
        perform=lambda: queue_services.merge_queue(actor=request.membership, source=row, target=target),
        success=f"“{row.name}” merged into “{target.name}”: its tickets moved.",
        redirect_to=reverse("desk:queue_settings", args=[row.pk]),
    )
    return _back_to_list_if_gone(response, Queue, row.pk, "desk:queues")


def _back_to_list_if_gone(response: HttpResponse, model, pk: int, list_url: str) -> HttpResponse:
    """After a delete or merge that went through, the row's own page is gone: go back to the list."""
    return redirect(list_url) if not model.objects.filter(pk=pk).exists() else response
