import pytest

from tenancy.context import tenant_context


@pytest.fixture
def write(tenant):
    """Call a KB service inside the tenant's scope, as a view would."""

    def call(service, **kwargs):
        with tenant_context(tenant):
            return service(**kwargs)

    return call
