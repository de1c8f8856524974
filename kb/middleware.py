"""Tell the KB when a browser files a request through the portal form, without tickets knowing about the KB.

Deflection needs "no request from that browser within 24 hours" (kb.services.deflection). The portal's form is
tickets' view; tickets does not import kb (the layering in DESIGN.md), and it offers no hook for this. So this
middleware watches for the form's successful POST (a redirect from portal:new) from a browser that carries the
KB's cookie, and marks that browser's open deflections as filed. It runs after the view's transaction has
committed, in its own, and an error in it is logged, never shown: a request was filed whatever the KB counts.
"""

from __future__ import annotations

import logging

from django.db import transaction

from kb.browser import browser_digest, has_browser

logger = logging.getLogger(__name__)
FORM_VIEW = "portal:new"


class RequestFiledMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST" and response.status_code == 302 and has_browser(request):
            match = getattr(request, "resolver_match", None)
            tenant = getattr(request, "tenant", None)
            if match is not None and match.view_name == FORM_VIEW and tenant is not None:
                self._filed(request, tenant.pk)
        return response

    @staticmethod
    def _filed(request, tenant_id: int) -> None:
        from kb.services import record_request_filed

        try:
            with transaction.atomic():
                record_request_filed(browser=browser_digest(request, tenant_id=tenant_id))
        except Exception:  # a count must never break the customer's request
            logger.exception("Could not record a filed request for deflection counting")
