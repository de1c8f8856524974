"""htmx on the queue page: every control that swaps a fragment into #results replaces the element, since the
fragment the server answers with is the whole `<div id="results">` (swapped inside it, the results ended up
nested: #results within #results, one level deeper after each filter)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import host_client


class _Swaps(HTMLParser):
    """The elements that target #results (with their hx-get URL and hx-swap), and the fragment's root ids."""

    def __init__(self) -> None:
        super().__init__()
        self.targeting: list[dict[str, str]] = []
        self.roots: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if attributes.get("hx-target") == "#results":
            self.targeting.append(attributes)
        if self.depth == 0:
            self.roots.append(attributes.get("id", ""))
        if tag not in {"input", "br", "img", "meta", "link", "hr"}:
            self.depth += 1

    def handle_endtag(self, tag):
        self.depth -= 1


def _parse(html: str) -> _Swaps:
    parser = _Swaps()
    parser.feed(html)
    return parser


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/desk/views/all/", "queue"])
def test_queue_page_filter_replaces_the_results_instead_of_nesting_them(tenant, agent, desk, new_ticket, url):
    # given a list page with a ticket on it
    new_ticket(subject="Printer on fire")
    url = f"/desk/queues/{desk['queue'].pk}/" if url == "queue" else url
    client = host_client(tenant, agent)
    page = _parse(client.get(url).text)
    [filters] = [element for element in page.targeting if "hx-get" in element]
    # when the filter form asks for the results as htmx does
    fragment = client.get(filters["hx-get"], {"q": "printer"}, HTTP_HX_REQUEST="true")
    # then the answer is the whole #results element, and the form replaces #results with it (outerHTML)
    assert fragment.status_code == 200 and "Printer on fire" in fragment.text
    assert _parse(fragment.text).roots[0] == "results"
    assert filters.get("hx-swap") == "outerHTML"
    # and so does every other control aiming at #results
    assert all(element.get("hx-swap") == "outerHTML" for element in page.targeting)
