"""An offline stack: moto on a free local port, the synthesized template deployed into it, and
the endpoint that adds what moto lacks. ``OfflineStack.start()`` gives a running stack whose
``outputs`` are the stack outputs a real deployment would give, with local URLs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import boto3
from moto import settings
from moto.backends import get_backend
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.models import reset_model_data
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from offline.deploy import Deployer, Deployment
from offline.endpoint import OfflineEndpoint
from offline.functions import Function
from offline.identity import IdentityService
from offline.template import Template, TemplateError
from offline.tokens import Hook, TokenIssuer

HOST = "127.0.0.1"
# Not "sandbox": that name belongs to the stage that deploys into a sandbox AWS account.
REGION = "us-east-1"
ACCOUNT = DEFAULT_ACCOUNT_ID
OPERATOR = "offline-operator"
# Cognito user pool operations that take a user's token instead of AWS credentials (developer
# guide, "Understanding API, OIDC, and managed login pages authentication": unauthenticated and
# token-authorized operations). moto lists only some of them as public.
TOKEN_AUTHORIZED = [
    f"AWSCognitoIdentityProviderService.{operation}"
    for operation in (
        "RespondToAuthChallenge",
        "GlobalSignOut",
        "RevokeToken",
        "UpdateUserAttributes",
        "DeleteUserAttributes",
        "ChangePassword",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
    )
] + ["AWSCognitoIdentityService.GetCredentialsForIdentity"]


@dataclass
class OfflineStack:
    template: Template
    log: TextIO
    deployment: Deployment | None = None
    identity: IdentityService | None = None
    tokens: TokenIssuer | None = None
    endpoint_url: str = ""
    operator: dict[str, str] = field(default_factory=dict)
    _server: BaseWSGIServer | None = None
    _exit: ExitStack = field(default_factory=ExitStack)

    @property
    def outputs(self) -> dict[str, str]:
        assert self.deployment is not None
        return self.deployment.outputs(lambda method, path: self.endpoint_url + path)

    def outputs_file(self, path: Path) -> None:
        """The outputs in the format of `cdk deploy --outputs-file`, for the client."""
        path.write_text(json.dumps({self.template.stack_name: self.outputs}, indent=2) + "\n")

    def session(self, **credentials: str) -> boto3.Session:
        """A session for the offline endpoint: the operator's unless credentials are given."""
        keys = credentials or self.operator
        return boto3.Session(region_name=REGION, **keys)

    def client(self, service: str, **credentials: str) -> Any:
        return self.session(**credentials).client(service, endpoint_url=self.endpoint_url)

    def start(self) -> OfflineStack:
        reset_model_data()
        moto = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(HOST, 0, self._app, threaded=True,
                                   request_handler=MotoRequestHandler)
        self.endpoint_url = f"http://{HOST}:{self._server.server_port}"
        self._moto = moto
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        self._exit.callback(self._server.shutdown)
        self._enforce_iam()
        self.deployment = Deployer(
            self.template, _EndpointSession(self), REGION, ACCOUNT
        ).deploy()
        self.identity = IdentityService(self.deployment.identity_pools, ACCOUNT, REGION)
        functions = {
            logical_id: Function(settings_, self._function_environment(), ACCOUNT, self.log)
            for logical_id, settings_ in self.deployment.functions.items()
        }
        self.tokens = TokenIssuer(
            {
                pool_id: Hook(functions[function].invoke, version)
                for pool_id, (function, version) in self.deployment.pre_token_hooks.items()
            }
        )
        self._exit.enter_context(self.tokens.installed())
        self._endpoint = OfflineEndpoint(
            moto,
            self.identity,
            _find_user,
            {route: functions[fn] for route, fn in self.deployment.routes.items()},
            ACCOUNT,
            REGION,
        )
        return self

    def stop(self) -> None:
        self._exit.close()
        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        endpoint = getattr(self, "_endpoint", None)
        if endpoint is None:  # while deploying: moto alone
            return self._moto(environ, start_response)
        return endpoint(environ, start_response)

    def _enforce_iam(self) -> None:
        """An operator user with full access does the deploying and seeding; from then on
        moto checks every signed request against IAM, so issued credentials are limited to
        their role's policies."""
        iam = boto3.client(
            "iam", region_name=REGION, endpoint_url=self.endpoint_url,
            aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap",  # noqa: S106
        )
        iam.create_user(UserName=OPERATOR)
        iam.put_user_policy(
            UserName=OPERATOR,
            PolicyName="deploy-and-seed",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
        )
        key = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
        self.operator = {
            "aws_access_key_id": key["AccessKeyId"],
            "aws_secret_access_key": key["SecretAccessKey"],
        }
        for operation in TOKEN_AUTHORIZED:
            if operation not in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
                ActionAuthenticatorMixin.PUBLIC_OPERATIONS.append(operation)
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0

    def _function_environment(self) -> dict[str, str]:
        return {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            # Metrics are flushed to the log file; nothing reads them offline.
            "POWERTOOLS_METRICS_NAMESPACE": "offline",
        }


class _EndpointSession(boto3.Session):
    """The operator's session, whose clients talk to the offline endpoint."""

    def __init__(self, stack: OfflineStack) -> None:
        super().__init__(region_name=REGION, **stack.operator)
        self._endpoint_url = stack.endpoint_url

    def client(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().client(*args, endpoint_url=self._endpoint_url, **kwargs)


def _find_user(client_id: str, username: str) -> tuple[str, str, str]:
    """The user pool of an app client, and the user's SRP id and password (moto keeps it)."""
    for region in (REGION,):
        for pool in get_backend("cognito-idp")[ACCOUNT][region].user_pools.values():
            if client_id in pool.clients:
                user = pool._get_user(username)
                if user is None:
                    raise TemplateError(f"no user {username}")
                return pool.id, user.id, user.password
    raise TemplateError(f"no app client {client_id}")


@contextmanager
def offline_stack(template: Template, log: TextIO) -> Iterator[OfflineStack]:
    stack = OfflineStack(template, log)
    try:
        yield stack.start()
    finally:
        stack.stop()
