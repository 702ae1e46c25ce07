"""Calls to the stack's items API, signed with the identity's own credentials.

Every method of the items API uses ``AWS_IAM`` authorization: API Gateway accepts a request only
with a Signature Version 4 signature for the service ``execute-api`` in the stack's region
(IAM user guide, "Signature Version 4 for API requests"), then IAM decides whether the role may
``execute-api:Invoke`` that method and path. So ``call`` signs each request with botocore's own
signer, using the identity session's credentials as they are at that moment: the session
refreshes them shortly before they expire, and a request signed after a refresh carries the
new ones.

The API's URL is the stack's ``ItemsApiUrl`` output; the answer is the status and the JSON body,
refusals included (API Gateway's ``{"message"}``, the function's ``{"error", "field"}``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import BotoCoreError
from botocore.httpsession import URLLib3Session

from client.credentials import IdentitySession
from client.errors import ClientProblem
from client.outputs import StackOutputs

SERVICE = "execute-api"
TIMEOUT_SECONDS = 30
# Characters a path part keeps as they are (RFC 3986 allows them in a path): the API's tenant
# names may hold ":", "=", "+" and "@".
PATH_SAFE = "/:@=+"
# What separates a query string's names and values.
QUERY_SAFE = "=&"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the JSON document, or None for an empty body

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def reason(self) -> str:
        """What a refusal says: the function's ``error`` (and its ``field``), else API
        Gateway's ``message``, else the status alone."""
        body = self.body if isinstance(self.body, dict) else {}
        if isinstance(body.get("error"), str):
            field = f" (field {body['field']})" if isinstance(body.get("field"), str) else ""
            return f"{body['error']}{field}"
        for key in ("message", "Message"):
            if isinstance(body.get(key), str):
                return str(body[key])
        return f"HTTP {self.status}"


def url_of(outputs: StackOutputs, path: str) -> str:
    """The URL of ``path``, which may end with a query string (``tenants/acme/items?next=...``):
    the path percent-encoded, the query's names and values too, its ``=`` and ``&`` kept."""
    path, mark, query = path.partition("?")
    url = outputs.items_api_url.rstrip("/") + "/" + quote(path.lstrip("/"), safe=PATH_SAFE)
    return url + mark + quote(query, safe=QUERY_SAFE)


def call(
    identity: IdentitySession,
    outputs: StackOutputs,
    method: str,
    path: str,
    data: Any = None,
) -> Answer:
    """``method`` on ``path`` (relative to ``ItemsApiUrl``, such as ``tenants/acme/items``),
    with ``data`` as the JSON body when given."""
    url = url_of(outputs, path)
    body = None if data is None else json.dumps(data).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    request = AWSRequest(method=method.upper(), url=url, data=body, headers=headers)
    # The credentials as they are now: botocore refreshes them first when they run low.
    credentials = identity.session.get_credentials().get_frozen_credentials()
    SigV4Auth(credentials, SERVICE, outputs.region).add_auth(request)
    try:
        response = URLLib3Session(timeout=TIMEOUT_SECONDS).send(request.prepare())
    except BotoCoreError as error:  # no connection, a timeout, a bad URL
        raise ClientProblem(
            f"cannot reach ItemsApiUrl {outputs.items_api_url} ({error}): check the outputs "
            "file and that the stack (or the offline emulator) is up"
        ) from None
    content = response.content
    try:
        document = json.loads(content) if content else None
    except ValueError:
        raise ClientProblem(
            f"{method.upper()} {path} answered HTTP {response.status_code} with a body that is "
            f"not JSON: {content[:200]!r}"
        ) from None
    return Answer(response.status_code, document)


def list_items(
    identity: IdentitySession, outputs: StackOutputs, tenant: str, page_size: int | None = None
) -> list[Any]:
    """Every item of ``tenant``: the listing's pages, each asked for with the ``next`` token the
    one before it gave, until a page gives none. ``page_size`` (1 to 100) asks for smaller
    pages; the API refuses any other with 400 naming ``limit``, and the default is 100."""
    items: list[Any] = []
    path = f"tenants/{tenant}/items"
    size = "" if page_size is None else f"limit={page_size}"
    page = path + ("?" + size if size else "")
    while True:
        answer = call(identity, outputs, "GET", page)
        if not answer.ok:
            raise ClientProblem(f"GET {page} answered HTTP {answer.status}: {answer.reason}")
        items += answer.body["items"]
        if "next" not in answer.body:
            return items
        # url_of encodes the token.
        page = f"{path}?next={answer.body['next']}" + ("&" + size if size else "")
