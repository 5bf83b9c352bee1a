"""Helpers for tests that need someone signed in, or a wall's display token.

    password = make_user(engine, "t1", "commander", region="T1")
    sign_in(app.server.test_client(), "t1", password)           # a Flask test client
    sign_in(page, "t1", password, base_url=live_server.url)     # a Playwright page/context
    post_callback(client, router_body("/", "?region=T1"))       # a callback, as the browser
    with acting_as(app, "t1"):                                  # call a callback directly
        render_page("/", "")

Passwords are made fresh per account (strong enough for :mod:`data.users`' rules).
"""

from __future__ import annotations

import json
import re
import secrets
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Engine

from dashboard import session_store
from data import users
from layouts import ids

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_user(engine: Engine, name: str, role: str, region: str | None = None) -> str:
    """Create account ``name`` with ``role`` (scoped to region code ``region``) and return
    its password."""
    password = "pw-" + secrets.token_urlsafe(12)
    users.add_user(engine, name, password, role, region)
    return password


def make_wall_token(engine: Engine, region: str | None = None, label: str = "test wall") -> str:
    """A display token for the wall of ``region`` (None: the whole deployment)."""
    return users.create_display_token(engine, region, label=label)


def sign_in(client_or_page, name: str, password: str, base_url: str = "") -> object:
    """Sign in through the real ``/login`` form (its CSRF field included).

    With a Flask test client it returns the POST's response; with a Playwright page or
    browser context (``base_url`` needed) the session cookie lands in that context, and
    it returns the APIResponse."""
    request = getattr(client_or_page, "request", None)
    if request is not None and hasattr(request, "post"):  # Playwright page or context
        form = request.get(f"{base_url}/login")
        csrf = _CSRF.search(form.text()).group(1)
        return request.post(f"{base_url}/login", form={
            "name": name, "password": password, "csrf": csrf, "next": "/"},
            max_redirects=0)
    form = client_or_page.get("/login")
    csrf = _CSRF.search(form.get_data(as_text=True)).group(1)
    return client_or_page.post("/login", data={"name": name, "password": password,
                                                "csrf": csrf, "next": "/"})


def _component_id(text: str) -> str | dict:
    """A component id as the browser sends it: a dict id is shown as JSON in the map."""
    return json.loads(text) if text.startswith("{") else text


def _parts(key: str) -> list[str]:
    """The "id.property" outputs of a callback map key (``..a.b...c.d..`` or ``a.b``)."""
    return key[2:-2].split("...") if key.startswith("..") else [key]


def callback_body(app, output: str, values: dict[str, object] | None = None,
                  trigger: str | None = None) -> dict:
    """The request body Dash's browser side sends to run the server callback of ``app``
    whose output is ``output`` (``"page.children"``, or any one of its outputs), with
    ``values`` for its inputs and state by ``"id.property"`` (others None; a wildcard
    ``ALL`` input takes the list of entries the browser would send, default none). Built
    from the app's own callback map, so it follows the callback's signature as it changes;
    dict ids are sent as dicts, as Dash's browser side sends them."""
    def fires(entry) -> bool:  # a server callback (not a clientside one) run by ``trigger``
        return "callback" in entry and (trigger is None or trigger in (
            f"{item['id']}.{item['property']}" for item in entry["inputs"]))

    key = next(k for k, entry in app.callback_map.items()
               if output in (part.split("@")[0] for part in _parts(k)) and fires(entry))
    entry = app.callback_map[key]
    outputs = [{"id": _component_id(i), "property": p}
               for i, p in (part.rsplit(".", 1) for part in _parts(key))]
    values = values or {}

    def filled(items):
        return [values.get(f"{item['id']}.{item['property']}", [])
                if '["ALL"]' in item["id"] else
                {"id": _component_id(item["id"]), "property": item["property"],
                 "value": values.get(f"{item['id']}.{item['property']}")}
                for item in items]

    inputs = filled(entry["inputs"])
    changed = trigger or "{id}.{property}".format(**entry["inputs"][0])
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": inputs, "state": filled(entry["state"]), "changedPropIds": [changed]}


def router_body(pathname: str = "/", search: str = "", app=None) -> dict:
    """The request body Dash's browser side sends to run the router for an address (from
    ``app``'s callback map when given; else the router's signature of today)."""
    if app is not None:
        return callback_body(app, f"{ids.PAGE}.children",
                             {f"{ids.URL}.pathname": pathname, f"{ids.URL}.search": search})
    return {
        "output": f"{ids.PAGE}.children",
        "outputs": {"id": ids.PAGE, "property": "children"},
        "inputs": [{"id": ids.URL, "property": "pathname", "value": pathname},
                   {"id": ids.URL, "property": "search", "value": search}],
        "changedPropIds": [f"{ids.URL}.pathname"],
        "state": [],
    }


def post_callback(client, body: dict, token: str | None = None):
    """POST ``body`` to ``/_dash-update-component`` (with a display token if given)."""
    headers = {"X-Display-Token": token} if token else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


@contextmanager
def acting_as(app, name: str | None = None, token: str | None = None) -> Iterator[None]:
    """A request context in which :func:`dashboard.auth.current_user` is account ``name``
    (signed in, as by the form) or the wall of display ``token``; neither: signed out.
    For calling callbacks directly, as tests/callbacks do, with someone asking."""
    engine = app.server.extensions["grid_dashboard"]["engine"]
    headers = {"X-Display-Token": token} if token else {}
    with app.server.test_request_context("/_dash-update-component", method="POST",
                                         headers=headers):
        if name is not None:
            session_store.begin(engine, users.get_user(engine, name))  # as the form does
        yield
