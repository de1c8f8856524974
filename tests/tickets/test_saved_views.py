"""Saved views: save, open, rename and delete one's own; sharing with a team by supervisors only; who may open
what (another member's personal view or another tenant's is a 404); sidebar counts from the one count query."""

import pytest

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import count_queries, host_client, make_member
from tickets import selectors, services
from tickets.lifecycle import Status
from tickets.models import Queue, SavedView, Team, TeamMembership


@pytest.fixture
def agent2(tenant):
    return make_member(tenant, Role.AGENT, "agent2@acme.example")


def _view(tenant, owner, name="Urgent", base="all", query="priority=4", team=None):
    with tenant_context(tenant):
        return SavedView.objects.create(owner=owner, name=name, base=base, query=query, team=team)


@pytest.mark.django_db
def test_agent_saves_the_current_list_and_opens_it(tenant, agent, desk, new_ticket):
    # given an urgent and a normal ticket
    new_ticket(subject="Server down", priority=4)
    new_ticket(subject="Question")
    client = host_client(tenant, agent)
    # when the agent saves the filtered list (the page number and a previous view marker are not saved)
    saved = client.post(
        "/desk/saved/", {"name": "  Urgent   stuff ", "base": "all", "query": "priority=4&sort=priority&page=3&saved=9"}
    )
    # then the view exists with the filter and sort only, and saving opens it
    with tenant_context(tenant):
        view = SavedView.objects.get()
    assert (view.owner_id, view.name, view.base, view.query, view.team) == (
        agent.pk,
        "Urgent stuff",
        "all",
        "priority=4&sort=priority",
        None,
    )
    assert (
        saved.status_code == 302 and saved["Location"] == f"/desk/views/all/?priority=4&sort=priority&saved={view.pk}"
    )
    # when the agent opens it from the sidebar
    opened = client.get(f"/desk/saved/{view.pk}/")
    assert opened.status_code == 302 and opened["Location"] == saved["Location"]
    page = client.get(opened["Location"]).text
    # then the list is filtered, the title is the view's name and the sidebar shows it, current, with its count
    assert "Server down" in page and "Question" not in page
    assert "<h1>Urgent stuff</h1>" in page
    assert f'href="/desk/saved/{view.pk}/" aria-current="page"' in page
    sidebar = page.split("Saved views</p>")[1].split("</nav>")[0]
    assert "Urgent stuff" in sidebar and '<span class="count">1</span>' in sidebar


@pytest.mark.django_db
def test_a_queue_view_opens_on_its_queue(tenant, agent, desk, new_ticket):
    view = _view(tenant, agent, base=f"queue:{desk['queue'].pk}", query="")
    opened = host_client(tenant, agent).get(f"/desk/saved/{view.pk}/")
    assert opened["Location"] == f"/desk/queues/{desk['queue'].pk}/?saved={view.pk}"


@pytest.mark.django_db
def test_saving_refuses_bad_input_with_a_message(tenant, agent, desk):
    client = host_client(tenant, agent)
    nameless = client.post("/desk/saved/", {"name": "", "base": "all", "query": ""}, follow=True)
    assert "This field is required" in nameless.text
    assert client.post("/desk/saved/", {"name": "x", "base": "queue:999999", "query": ""}).status_code == 404
    assert client.post("/desk/saved/", {"name": "x", "base": "bogus", "query": ""}).status_code == 404
    with tenant_context(tenant):
        assert not SavedView.objects.exists()


@pytest.mark.django_db
def test_only_supervisors_share_views_with_a_team(tenant, agent, supervisor, desk):
    team = desk["team"]
    # when an agent tries to share, and a supervisor shares
    refused = host_client(tenant, agent).post(
        "/desk/saved/", {"name": "Mine", "base": "all", "query": "", "team": team.pk}, follow=True
    )
    host_client(tenant, supervisor).post(
        "/desk/saved/", {"name": "Team's", "base": "mine", "query": "", "team": team.pk}
    )
    # then only the supervisor's view exists, shared with the team
    assert "Only supervisors and admins can share" in refused.text
    with tenant_context(tenant):
        assert list(SavedView.objects.values_list("name", "owner_id", "team_id")) == [
            ("Team's", supervisor.pk, team.pk)
        ]


@pytest.mark.django_db
def test_a_shared_view_is_visible_to_its_team_only(tenant, agent, agent2, supervisor, desk, new_ticket):
    # given a view a supervisor shared with the agent's team, and agent2 outside the team
    new_ticket(priority=4)
    shared = _view(tenant, supervisor, name="Frontline urgent", team=desk["team"])
    member, outsider = host_client(tenant, agent), host_client(tenant, agent2)
    # then the team member sees it in the sidebar and opens it, but cannot rename or delete it
    page = member.get("/desk/views/all/").text
    assert "Frontline urgent" in page
    assert member.get(f"/desk/saved/{shared.pk}/").status_code == 302
    assert member.post(f"/desk/saved/{shared.pk}/edit/", {"name": "Mine now"}).status_code == 404
    assert member.post(f"/desk/saved/{shared.pk}/delete/").status_code == 404
    # and the agent outside the team neither sees nor opens it
    assert "Frontline urgent" not in outsider.get("/desk/views/all/").text
    assert outsider.get(f"/desk/saved/{shared.pk}/").status_code == 404
    with tenant_context(tenant):
        assert SavedView.objects.get(pk=shared.pk).name == "Frontline urgent"


@pytest.mark.django_db
def test_sidebar_links_escape_names_and_mark_the_open_list(tenant, agent, supervisor, desk, new_ticket):
    # given a queue, a team and a shared view whose names hold markup, and a ticket in the queue
    with tenant_context(tenant):
        queue = Queue.objects.create(name="R&D <ops>", team=desk["team"])
        desk["team"].name = 'Ops "A" <b>'
        desk["team"].save(update_fields=["name"])
    new_ticket(queue=queue)
    shared = _view(tenant, supervisor, name="<i>Hot</i>", base=f"queue:{queue.pk}", query="", team=desk["team"])
    client = host_client(tenant, agent)
    # when the agent opens the queue, then the saved view
    on_queue = client.get(f"/desk/queues/{queue.pk}/").text.split('id="queue-nav"')[1].split("</nav>")[0]
    on_view = client.get(f"/desk/queues/{queue.pk}/?saved={shared.pk}").text
    on_view = on_view.split('id="queue-nav"')[1].split("</nav>")[0]
    # then every name is escaped, and the open list is marked current, with its count
    assert (
        f'<a class="navlink navlink--view is-active" href="/desk/queues/{queue.pk}/" aria-current="page">\n'
        '        <span class="navlink__name">R&amp;D &lt;ops&gt;</span><span class="count">1</span>'
    ) in on_queue
    assert on_queue.count("aria-current") == 1 and "<i>" not in on_queue and "<b>" not in on_queue
    assert (
        f'<a class="navlink navlink--view is-active" href="/desk/saved/{shared.pk}/" '
        'title="Shared with Ops &quot;A&quot; &lt;b&gt;" aria-current="page">\n'
        '        <span class="navlink__name">&lt;i&gt;Hot&lt;/i&gt;<span class="saved-view__team"> · '
        'Ops &quot;A&quot; &lt;b&gt;</span></span><span class="count">1</span>'
    ) in on_view
    assert 'href="/desk/saved/">Manage saved views</a>' in on_view


@pytest.mark.django_db
def test_another_agents_personal_view_is_a_404(tenant, agent, agent2, desk):
    private = _view(tenant, agent2, name="Private")
    client = host_client(tenant, agent)
    assert client.get(f"/desk/saved/{private.pk}/").status_code == 404
    assert client.post(f"/desk/saved/{private.pk}/edit/", {"name": "x"}).status_code == 404
    assert client.post(f"/desk/saved/{private.pk}/delete/").status_code == 404
    assert "Private" not in client.get("/desk/saved/").text
    assert "Private" not in client.get("/desk/views/all/").text


@pytest.mark.django_db
def test_another_tenants_view_is_a_404(tenant, other_tenant, agent, other_agent, desk):
    with tenant_context(other_tenant):
        foreign = SavedView.objects.create(owner=other_agent, name="Globex view", base="all")
    client = host_client(tenant, agent)
    assert client.get(f"/desk/saved/{foreign.pk}/").status_code == 404
    assert client.post(f"/desk/saved/{foreign.pk}/edit/", {"name": "x"}).status_code == 404
    assert client.post(f"/desk/saved/{foreign.pk}/delete/").status_code == 404
    with tenant_context(other_tenant):
        assert SavedView.objects.get(pk=foreign.pk).name == "Globex view"


@pytest.mark.django_db
def test_owner_renames_reshares_and_deletes(tenant, supervisor, desk):
    view = _view(tenant, supervisor, name="Old")
    client = host_client(tenant, supervisor)
    # when the owner renames it and shares it with the team
    response = client.post(f"/desk/saved/{view.pk}/edit/", {"name": "New", "team": desk["team"].pk}, follow=True)
    assert "Saved the view “New”." in response.text
    with tenant_context(tenant):
        view.refresh_from_db()
        assert (view.name, view.team_id) == ("New", desk["team"].pk)
    # and makes it personal again, then deletes it
    client.post(f"/desk/saved/{view.pk}/edit/", {"name": "New", "team": ""})
    with tenant_context(tenant):
        assert SavedView.objects.get(pk=view.pk).team_id is None
    assert client.post(f"/desk/saved/{view.pk}/delete/").status_code == 302
    with tenant_context(tenant):
        assert not SavedView.objects.filter(pk=view.pk).exists()


@pytest.mark.django_db
def test_agent_cannot_share_by_renaming(tenant, agent, desk):
    view = _view(tenant, agent, name="Mine")
    response = host_client(tenant, agent).post(
        f"/desk/saved/{view.pk}/edit/", {"name": "Mine", "team": desk["team"].pk}, follow=True
    )
    assert "Only supervisors and admins can share" in response.text
    with tenant_context(tenant):
        assert SavedView.objects.get(pk=view.pk).team_id is None


@pytest.mark.django_db
def test_saved_view_counts_follow_their_filters(tenant, agent, desk, new_ticket):
    # given two urgent tickets (one resolved) and a normal one
    urgent, resolved, _normal = new_ticket(priority=4), new_ticket(priority=4), new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=resolved, status=Status.RESOLVED, actor=agent)
        services.claim(ticket=urgent, actor=agent)
        views = [
            _view(tenant, agent, name="All urgent", query="priority=4"),
            _view(tenant, agent, name="Open urgent", query="priority=4&status=new&status=open"),
            _view(tenant, agent, name="Mine urgent", base="mine", query="priority=4"),
            _view(tenant, agent, name="Assigned to me", query=f"assignee={agent.pk}"),
            _view(tenant, agent, name="Queue", base=f"queue:{desk['queue'].pk}", query=""),
            _view(tenant, agent, name="Bad filter", query="status=nonsense"),
        ]
        saved = selectors.list_saved_views(agent)
        queues = list(selectors.visible_queues(agent))
        counts = selectors.sidebar_counts(agent, queues, saved_views=saved)
    # then each saved view counts what its list and filters show (an invalid filter counts the whole list)
    assert [counts[f"saved-{v.pk}"] for v in views] == [2, 1, 1, 1, 2, 3]


def _grow_views(tenant, agent, desk, how_many: int) -> None:
    queries = [
        "priority=4",
        "status=new&sort=updated",
        f"assignee={agent.pk}",
        f"queue={desk['queue'].pk}",
        "tag=vip",
        "q=printer",
        f"team={desk['team'].pk}&channel=email",
        "organisation=Acme&created_after=2020-01-01",
    ]
    bases = ["all", "mine", "unassigned", "escalated", f"queue:{desk['queue'].pk}"]
    with tenant_context(tenant):
        for n in range(how_many):
            SavedView.objects.create(owner=agent, name=f"View {n}", base=bases[n % len(bases)], query=queries[n])


@pytest.mark.django_db
def test_queue_page_queries_do_not_grow_with_saved_views(tenant, agent, other_tenant, desk, new_ticket):
    # given a tenant with tickets and a shared view from another team (not shown, but in the same query)
    new_ticket(priority=4)
    with tenant_context(tenant):
        other_team = Team.objects.create(name="Billing")
        TeamMembership.objects.create(team=other_team, membership=agent)
    client = host_client(tenant, agent)
    urls = ["/desk/views/all/", f"/desk/queues/{desk['queue'].pk}/", "/desk/views/unassigned/?priority=4"]
    # when the agent has one saved view, then eight
    _grow_views(tenant, agent, desk, 1)
    one = [count_queries(client, url) for url in urls]
    with tenant_context(tenant):
        SavedView.objects.all().delete()
    _grow_views(tenant, agent, desk, 8)
    page = client.get("/desk/views/all/").text
    eight = [count_queries(client, url) for url in urls]
    # then the page issues the same number of queries: the counts come from the one capped-count query
    assert one == eight
    assert page.count('class="navlink navlink--view') == 4 + 1 + 8


@pytest.mark.django_db
def test_saved_views_page_lists_own_and_shared(tenant, agent, supervisor, desk):
    _view(tenant, agent, name="Own one")
    _view(tenant, supervisor, name="Shared one", team=desk["team"])
    page = host_client(tenant, agent).get("/desk/saved/").text
    assert "Own one" in page and "Shared one" in page and "Shared with team Frontline" in page
    assert page.count(">Delete</button>") == 1


@pytest.mark.django_db
def test_list_pages_take_saved_views_from_the_lists_and_show_each_change_at_once(
    tenant, agent, agent2, supervisor, desk, new_ticket
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given an agent whose list page has read the desk's lists
    new_ticket()
    client = host_client(tenant, agent)
    client.get("/desk/views/all/")
    # when views are saved: the agent's own, one shared with the agent's team, another agent's personal one
    own = _view(tenant, agent, name="Own view")
    _view(tenant, supervisor, name="Frontline view", team=desk["team"])
    _view(tenant, agent2, name="Someone else's")
    page = client.get("/desk/views/all/").text
    # then the next page shows the agent's and the team's, and a page once the lists are read asks for no view
    assert "Own view" in page and "Frontline view" in page and "Someone else" not in page
    with CaptureQueriesContext(connection) as warm:
        client.get("/desk/views/all/")
    with tenant_context(tenant), CaptureQueriesContext(connection) as asked:
        assert [view.name for view in selectors.list_saved_views(agent)] == ["Frontline view", "Own view"]
    assert any('FROM "tickets_savedview"' in q["sql"] for q in asked.captured_queries)
    assert not any('FROM "tickets_savedview"' in q["sql"] for q in warm.captured_queries)
    # and a rename, leaving the team and a delete each show on the next page
    with tenant_context(tenant):
        own.name = "Renamed view"
        own.save(update_fields=["name"])
        TeamMembership.objects.filter(membership=agent).delete()
    page = client.get("/desk/views/all/").text
    assert "Renamed view" in page and "Frontline view" not in page
    with tenant_context(tenant):
        own.delete()
    assert "Renamed view" not in client.get("/desk/views/all/").text
