from django import template

from kb.search import snippet

register = template.Library()


@register.filter
def kb_snippet(article):
    """The escaped, highlighted search snippet of an article (kb.search.snippet)."""
    return snippet(article)
