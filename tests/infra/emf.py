"""Run a function's handler once, as its template configures it, and print what it printed.

``python -m tests.infra.emf sign-in``, ``... token SOURCE...`` or ``... stranger``, with the
function's environment from the template. The developer-auth function answers a locked user
(``SignInLocked``), then refuses a user whose stored tags no session may carry
(``SignInDataError``), then one whose token Cognito throttles (``SignInUnavailable``), under
moto; the pre token hook shapes one token per trigger source
(``TokensIssued``); the items function refuses credentials of another identity pool
(``CallerRefused``).
Powertools prints each invocation's metrics as one CloudWatch embedded metric format (EMF)
JSON line on stdout.
"""

from __future__ import annotations

import sys

from tests.lambdas.context import FakeContext


def sign_in() -> None:
    from botocore.exceptions import ClientError
    from moto import mock_aws

    from lambdas.developer_auth import app
    from tests.lambdas.developer_auth.test_app import request
    from tests.lambdas.developer_auth.world import PASSWORD, World

    with mock_aws():
        world = World()
        app.SIGN_IN = world.sign_in
        for username, record, status in (
            ("alice", {"failedAttempts": 99, "lockedUntil": int(world.now + 600)}, 429),
            ("bob", {"principalTags": {"tenant": "a*"}}, 500),
            ("carol", {"userId": "throttled"}, 503),
        ):
            world.add_user(username, **record)
            if status == 503:  # Cognito's developer token quota, spent

                def throttled(**_: object) -> None:
                    error = {"Error": {"Code": "TooManyRequestsException"}}
                    raise ClientError(error, "GetOpenIdTokenForDeveloperIdentity")

                world.identity.get_open_id_token_for_developer_identity = throttled
            credentials = {"username": username, "password": PASSWORD}
            response = app.handler(request(credentials), FakeContext())
            assert response["statusCode"] == status, response


def token(*sources: str) -> None:
    from lambdas.pre_token_generation import app
    from tests.lambdas.pre_token_generation.events import event

    for source in sources:
        app.handler(event(trigger_source=source, groups=["viewers"]), FakeContext())


def stranger() -> None:
    import dataclasses

    from lambdas.items import app
    from tests.lambdas.items.events import ALICE, ME, request

    other_pool = dataclasses.replace(ALICE, pool="eu-west-1:99999999-0000-4000-8000-000000000000")
    response = app.handler(request("GET", ME, other_pool), FakeContext())
    assert response["statusCode"] == 403, response


if __name__ == "__main__":
    if sys.argv[1] == "sign-in":
        sign_in()
    elif sys.argv[1] == "stranger":
        stranger()
    else:
        token(*sys.argv[2:])
