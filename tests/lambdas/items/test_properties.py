"""Whatever a caller sends in the body or the path, the answer is a 2xx, or a 4xx whose JSON body
says what is wrong and names the field: never a 5xx (hypothesis)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.items import app
from tests.lambdas.items.conftest import NOW
from tests.lambdas.items.events import ITEM, ITEMS, call, request

# The contract's rules (docs/items-api.md), written out here rather than read from the code.
# A tenant: 1-256 characters a session tag may hold (letters, digits and space separators of
# any script, and STS's punctuation), "/" excepted.
TENANT_PUNCTUATION = "_.:=+-@"


def tenant_ok(value: str) -> bool:
    return 1 <= len(value) <= 256 and all(
        unicodedata.category(c)[0] in "LNZ" or c in TENANT_PUNCTUATION for c in value
    )


ITEM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
FIELDS = {"body", "text", "tenant", "id", "next", "limit"}


@pytest.fixture(scope="module", autouse=True)
def store(module_table: Any) -> Iterator[None]:
    """One store for the module: hypothesis runs many examples per test."""
    with pytest.MonkeyPatch.context() as patch:
        store = app.ItemStore(module_table, clock=lambda: NOW)
        patch.setattr(app, "store", lambda: store)
        yield


def answer(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The function's answer to a caller of the identity pool: so every 4xx names a field."""
    status, body = call(event)
    assert 200 <= status < 300 or 400 <= status < 500, (status, body)
    if status >= 400:
        assert isinstance(body["error"], str) and body["error"]
        assert isinstance(body["field"], str) and body["field"]
    return status, body


def sent_keys(body: str | None) -> set[str]:
    """The keys of a JSON object body, as a 4xx would name them (64 characters at most)."""
    try:
        document = json.loads(body or "")
    except (ValueError, RecursionError):
        return set()
    return {key[:64] for key in document} if isinstance(document, dict) else set()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
# Any code point, lone surrogates (which JSON's \ud800 escape, or a raw body, carries), NUL and
# the bidi controls included.
hostile_characters = (
    st.characters(codec=None, categories=None)
    | st.characters(categories=["Cs"])
    | st.sampled_from("\x00\u200e\u200f\u202a\u202e\u2066\u2069\ufeff")
)
texts = (
    st.text(max_size=1100)
    | st.text(alphabet=hostile_characters, max_size=1100)
    | st.text(alphabet=st.characters(), min_size=995, max_size=1005)
)
bodies = (
    st.one_of(
        st.builds(lambda text: {"text": text}, texts),
        st.builds(
            lambda text, extra: {"text": text, **extra},
            texts,
            st.dictionaries(st.text(), json_values, max_size=2),
        ),
        json_values,
    ).map(json.dumps)
    | st.text()
    | st.text(alphabet=hostile_characters)
    | st.none()
    # Nested deeper than the JSON parser recurses, as arrays or as objects around the text.
    | st.integers(1, 8000).map(lambda depth: "[" * depth + "]" * depth)
    | st.integers(1, 3000).map(lambda depth: '{"text": ' * depth + '"x"' + "}" * depth)
    # A megabyte: a string, or a text, in the body.
    | st.sampled_from(["x" * 2**20, json.dumps({"text": "\u202e" * 2**20}), '"' + "\\" * 2**19])
)
# Path values near the contract's alphabet and far from it: `/`, `%`, spaces, newlines, unicode
# (what a URL can carry: UTF-8, so no lone surrogate).
path_values = st.text(
    alphabet=st.sampled_from("azAZ09_.:=+@-/%?# \n\"'*é") | st.characters(codec="utf-8"),
    max_size=260,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_any_put_body_gets_a_2xx_or_a_4xx_naming_the_field(body: str | None) -> None:
    status, answered = answer(request("PUT", ITEM, raw_body=body, tenant="acme", id="note"))
    if status != 200:
        assert answered["field"] in FIELDS | sent_keys(body), answered


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tenant=path_values,
    item_id=path_values,
    method=st.sampled_from(["GET", "PUT", "DELETE"]),
    encode_path=st.booleans(),
)
def test_any_path_parameter_gets_a_2xx_or_a_4xx_naming_it(
    tenant: str, item_id: str, method: str, encode_path: bool
) -> None:
    parameters = {"tenant": tenant} if method == "GET" else {"tenant": tenant, "id": item_id}
    resource = ITEMS if method == "GET" else ITEM
    event = request(method, resource, body={"text": "hi"}, encode_path=encode_path, **parameters)
    status, answered = answer(event)
    if not tenant_ok(tenant):
        assert (status, answered["field"]) == (400, "tenant")
    elif "id" in parameters and not ITEM_ID.fullmatch(item_id):
        assert (status, answered["field"]) == (400, "id")
    else:
        # Every example writes as the same caller, so only a missing item refuses (DELETE).
        assert status in (200, 404), answered


query_names = st.sampled_from(["next", "limit", "pageSize", "", "Limit"]) | st.text(
    alphabet=hostile_characters, max_size=70
)
query_values = (
    st.integers(-5, 200).map(str)
    | st.text(alphabet=hostile_characters, max_size=40)
    | st.text(alphabet=st.sampled_from("AZaz09-_="), max_size=40)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=st.dictionaries(query_names, query_values, max_size=3),
    method=st.sampled_from(["GET", "PUT", "DELETE", "GET /me"]),
)
def test_any_query_string_gets_a_2xx_or_a_4xx_naming_it(query: dict[str, str], method: str) -> None:
    if method == "GET /me":
        event = request("GET", "/me", query=query)
    elif method == "GET":
        event = request("GET", ITEMS, query=query, tenant="acme")
    else:
        event = request(method, ITEM, body={"text": "hi"}, query=query, tenant="acme", id="note")
    status, answered = answer(event)
    taken = {"next", "limit"} if method == "GET" else set()
    if set(query) - taken:
        assert status == 400, answered
        assert answered["field"] in {name[:64] or "query" for name in query}, answered
    elif status >= 400:
        assert answered["field"] in FIELDS, answered


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token=path_values | st.text(alphabet=st.sampled_from("AZaz09-_="), max_size=100))
def test_any_next_token_gets_a_page_or_a_400_naming_next(token: str) -> None:
    status, answered = answer(request("GET", ITEMS, query={"next": token}, tenant="acme"))
    if status != 200:
        assert (status, answered["field"]) == (400, "next")
    else:
        assert all(item["tenant"] == "acme" for item in answered["items"])
