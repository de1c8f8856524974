"""`{% url %}` as Django writes it, with the URLs that take no arguments or only numbers reversed once per process
(tenancy.fixed_urls). A builtin after Django's own (settings.TEMPLATES), so every template uses it unchanged."""

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from tenancy.fixed_urls import fixed_url, numbered_url

register = template.Library()


class FixedURLNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        numbers = tuple(arg.resolve(context) for arg in self.args)
        if not all(type(number) is int and number >= 0 for number in numbers):
            return super().render(context)
        # The namespace instance as Django's tag finds it.
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        try:
            view_name = self.view_name.resolve(context)
            url = numbered_url(view_name, numbers, current_app) if numbers else fixed_url(view_name, current_app)
        except (NoReverseMatch, TypeError):  # Django's tag raises (or sets "" with `as`), also for a bad name
            return super().render(context)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return FixedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
