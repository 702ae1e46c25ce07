"""An offline stack: moto on a free local port, the synthesized template deployed into it, and
the endpoint that adds what moto lacks. ``OfflineStack.start()`` gives a running stack whose
``outputs`` are the stack outputs a real deployment would give, with local URLs.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO
from unittest import mock
from urllib.parse import urlparse

import boto3
import pyotp
from joserfc.jwk import RSAKey
from moto import settings
from moto.cognitoidp import models as cognitoidp_models
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.base_backend import BackendDict
from moto.core.model_instances import reset_model_data
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import IAMRequest, PermissionResult, S3IAMRequest
from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import FakeBucket
from werkzeug.serving import make_server

from offline import access
from offline.apigateway import Gateway
from offline.deploy import Deployer, Deployment
from offline.endpoint import OfflineEndpoint
from offline.federation import FederatedSignIn
from offline.functions import Function
from offline.identity import CREDENTIAL_SECONDS, Clock, IdentityService, IssuedCredentials
from offline.template import Template
from offline.tokens import Hook, TokenIssuer
from offline.user_pools import UserPools

HOST = "127.0.0.1"
# Not "sandbox": that name belongs to the stage that deploys into a sandbox AWS account.
REGION = "us-east-1"
ACCOUNT = DEFAULT_ACCOUNT_ID
OPERATOR = "offline-operator"
TOTP_SWITCH = "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"
# How often the server looks for a shutdown: stopping a stack waits up to this long (the
# server's own default of half a second, for every stack a test run stops, adds up).
SHUTDOWN_POLL_SECONDS = 0.05
_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]*/([^/]*)/")
# Cognito user pool operations that take a user's token instead of AWS credentials (developer
# guide, "Understanding API, OIDC, and managed login pages authentication": unauthenticated and
# token-authorized operations). moto lists only some of them as public.
TOKEN_AUTHORIZED = [
    f"AWSCognitoIdentityProviderService.{operation}"
    for operation in (
        "RespondToAuthChallenge",
        "GlobalSignOut",
        "UpdateUserAttributes",
        "DeleteUserAttributes",
        "ChangePassword",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
    )
] + ["AWSCognitoIdentityService.GetCredentialsForIdentity"]


@dataclass(frozen=True)
class OfflineStack:
    """A running offline stack: its endpoint, what was deployed, and the emulated services."""

    template: Template
    endpoint_url: str
    operator: Mapping[str, str]
    deployment: Deployment
    identity: IdentityService
    tokens: TokenIssuer
    federation: FederatedSignIn

    @property
    def outputs(self) -> dict[str, str]:
        return self.deployment.outputs(self.endpoint_url)

    def outputs_file(self, path: Path) -> None:
        """The outputs in the format of `cdk deploy --outputs-file`, for the client."""
        path.write_text(json.dumps({self.template.stack_name: self.outputs}, indent=2) + "\n")

    def session(self) -> boto3.Session:
        """The operator's session (full access), for seeding and administration."""
        return _EndpointSession(self.endpoint_url, self.operator)


@functools.cache
def _imported_key(jwk_json: str) -> RSAKey:
    return RSAKey.import_key(json.loads(jwk_json))


# Stands in for joserfc.jwk in moto's user pool model, which imports moto's one bundled private
# key for every pool, recovering its primes each time (about 0.1 s a pool): the same JWK always
# imports to the same key, so each is imported once per process.
ONCE_IMPORTED_KEYS = SimpleNamespace(
    RSAKey=SimpleNamespace(
        import_key=lambda value: _imported_key(json.dumps(value, sort_keys=True))
    )
)


@contextmanager
def offline_stack(
    template: Template, log: TextIO, credential_seconds: int = CREDENTIAL_SECONDS
) -> Iterator[OfflineStack]:
    """Start moto on a free port, deploy ``template`` into it, and serve the endpoint. The
    identity pool's credentials last ``credential_seconds`` (Cognito's hour by default)."""
    with ExitStack() as cleanup:
        # Each service answers CORS itself (offline.cors), not moto's server-wide "*".
        cleanup.enter_context(mock.patch.object(werkzeug_app, "DISABLE_GLOBAL_CORS", True))
        cleanup.enter_context(mock.patch.object(cognitoidp_models, "jwk", ONCE_IMPORTED_KEYS))
        # Every backend, not only the model registry: a second stack in one process (the tests
        # run several) starts from an empty moto, as a fresh deployment does.
        BackendDict.reset()
        reset_model_data()
        cleanup.callback(reset_model_data)
        cleanup.callback(BackendDict.reset)
        moto = DomainDispatcherApplication(create_backend_app)
        app = _SwitchableApp(moto)
        server = make_server(HOST, 0, app, threaded=True, request_handler=_QuietHandler)
        endpoint_url = f"http://{HOST}:{server.server_port}"
        serving = threading.Thread(
            target=server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), daemon=True
        )
        serving.start()
        cleanup.callback(server.server_close)
        cleanup.callback(serving.join)
        cleanup.callback(server.shutdown)
        issued: dict[str, IssuedCredentials] = {}
        clock = Clock()
        operator = _enforce_iam(endpoint_url, issued, clock, cleanup)
        deployment = Deployer(
            template, _EndpointSession(endpoint_url, operator), REGION, ACCOUNT
        ).deploy()
        identity = IdentityService(
            deployment.identity_pools,
            ACCOUNT,
            REGION,
            clock=clock,
            issued=issued,
            credential_seconds=credential_seconds,
        )
        environment = {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint_url,
        }
        functions = {
            logical_id: Function(settings_, environment, ACCOUNT, log)
            for logical_id, settings_ in deployment.functions.items()
        }
        for function in functions.values():
            cleanup.callback(function.unload)
        tokens = TokenIssuer(
            {
                pool_id: Hook(functions[function].invoke, version)
                for pool_id, (function, version) in deployment.pre_token_hooks.items()
            }
        )
        cleanup.enter_context(tokens.installed())
        cleanup.enter_context(_real_totp())
        app.serve = OfflineEndpoint(
            moto,
            identity,
            UserPools(ACCOUNT, REGION),
            Gateway(deployment.rest_apis, functions, issued, clock, ACCOUNT, REGION),
            ACCOUNT,
            REGION,
        )
        federation = FederatedSignIn(
            ACCOUNT,
            REGION,
            deployment.identity_providers,
            {pool: functions[fn].invoke for pool, fn in deployment.inbound_federation.items()},
        )
        yield OfflineStack(
            template, endpoint_url, operator, deployment, identity, tokens, federation
        )


class _SwitchableApp:
    """moto alone while the template deploys, then the offline endpoint in front of it."""

    def __init__(self, moto: Any) -> None:
        self.serve = moto

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.serve(environ, start_response)


class _QuietHandler(MotoRequestHandler):
    """No access log line per request: the scenario table is the output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _enforce_iam(
    endpoint_url: str, issued: Mapping[str, IssuedCredentials], clock: Clock, cleanup: ExitStack
) -> dict[str, str]:
    """An operator user with full access does the deploying and seeding; from then on every
    request made with identity pool credentials is judged by offline.access (their role's
    policies and the bucket policy, with variables and conditions), and moto checks the other
    callers' S3 requests."""
    iam = boto3.client(
        "iam",
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",  # noqa: S106 (moto accepts any key before enforcement)
    )
    iam.create_user(UserName=OPERATOR)
    iam.put_user_policy(
        UserName=OPERATOR,
        PolicyName="deploy-and-seed",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
    public = ActionAuthenticatorMixin.PUBLIC_OPERATIONS
    added = [operation for operation in TOKEN_AUTHORIZED if operation not in public]
    public.extend(added)
    s3 = ActionAuthenticatorMixin._authenticate_and_authorize_s3_action

    def judged(self: Any, request_cls: type, resource: str | None, bucket: str | None) -> bool:
        """Judge an identity pool caller's request with offline.access; False for any other
        caller (moto's own check then applies)."""
        found = _CREDENTIAL.search(self.headers.get("Authorization", ""))
        caller = issued.get(found.group(1)) if found else None
        if found is None or caller is None:
            return False
        if self.headers.get("X-Amz-Target") in public:
            return True
        query = urlparse(self.uri).query
        path = f"{self.raw_path}?{query}" if query else self.raw_path
        request = request_cls(
            account_id=self.current_account,
            method=self.method,
            path=path,
            data=self.data,
            body=self.raw_body,
            headers=self.headers,
            action=self._get_action(),
        )
        request.check_signature()
        extra = {}
        listing = bucket is not None and resource == f"arn:aws:s3:::{bucket}"
        if listing and self.querystring.get("prefix"):
            # S3 user guide, "Bucket policy examples using condition keys": s3:prefix is
            # ListBucket's prefix parameter.
            extra["s3:prefix"] = self.querystring["prefix"][0]
        # moto's request knows the action name and answers AccessDenied in the service's shape.
        access.judge(
            caller,
            ACCOUNT,
            clock.now(),
            request._action,
            resource,
            bucket,
            extra,
            request._raise_access_denied,
            # aws:RequestedRegion: the region the request is signed for (its credential scope).
            region=found.group(2),
            source_ip=self.normalized_request.remote_addr or "127.0.0.1",
        )
        return True

    def identity_pool_callers_only(self: Any, resource: str = "*") -> None:
        # Outside S3 moto names the resource "*" (it does not know it): facts.iam then judges
        # conservatively. Other callers (the functions' roles) are not checked there: "*"
        # would deny their grants on exact ARNs.
        judged(self, IAMRequest, None if resource == "*" else resource, None)

    def s3_judged(self: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
        if "Authorization" not in self.headers and "X-Amz-Credential" not in self.querystring:
            # Anonymous: every bucket of the template blocks public access, so S3 answers
            # AccessDenied (S3 user guide, "Blocking public access"); moto would fail on the
            # missing header.
            raise S3AccessDeniedError()
        arn = (
            f"arn:aws:s3:::{bucket_name}/{key_name}" if key_name else f"arn:aws:s3:::{bucket_name}"
        )
        if not judged(self, S3IAMRequest, arn if bucket_name else None, bucket_name):
            s3(self, bucket_name, key_name)

    def no_context_free_bucket_policy(self: Any, action: str, resource: str) -> Any:
        # moto judges bucket policies without a request context (every condition fails, so the
        # TLS-only deny would refuse everything); offline.access judges them for identity pool
        # callers, and the operator's own writes are not subject to them offline.
        return PermissionResult.NEUTRAL

    authenticator = ActionAuthenticatorMixin
    for owner, name, replacement in (
        (authenticator, "_authenticate_and_authorize_normal_action", identity_pool_callers_only),
        (authenticator, "_authenticate_and_authorize_s3_action", s3_judged),
        (FakeBucket, "get_permission", no_context_free_bucket_policy),
        (settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0),
    ):
        cleanup.enter_context(mock.patch.object(owner, name, replacement))

    def unpublish() -> None:
        for operation in added:
            public.remove(operation)

    cleanup.callback(unpublish)
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


class _EndpointSession(boto3.Session):  # type: ignore[misc]  # boto3 has no type stubs: Any
    """A session whose clients talk to the offline endpoint."""

    def __init__(self, endpoint_url: str, credentials: Mapping[str, str]) -> None:
        super().__init__(region_name=REGION, **credentials)
        self._endpoint_url = endpoint_url

    def client(self, *args: Any, **kwargs: Any) -> Any:
        # boto3's resources pass endpoint_url=None through here: fill it in then too.
        if kwargs.get("endpoint_url") is None:
            kwargs["endpoint_url"] = self._endpoint_url
        return super().client(*args, **kwargs)


@contextmanager
def _real_totp() -> Iterator[None]:
    """moto hands every user the same 60-bit TOTP secret and checks no code unless told to.
    Cognito's secrets are 160-bit base32 (developer guide, "TOTP software token MFA"); one per
    offline run is enough here, and codes are checked."""
    secret = pyotp.random_base32()
    with (
        mock.patch.object(cognitoidp_models, "COGNITO_TOTP_MFA_SECRET", secret),
        mock.patch.dict(os.environ, {TOTP_SWITCH: "true"}),
    ):
        yield
