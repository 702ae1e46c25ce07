"""API Gateway offline (``offline.apigateway``) on a hand-written REST API: routing by the resource
tree, SigV4 authentication against the credentials the emulator issued, IAM's judgement of
``execute-api:Invoke`` on the method ARN, and the proxy event's identity from the credentials
alone. Each refusal is shown beside the same request passing when the protection allows it."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session
from moto import mock_aws
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from client import credentials, items
from client.outputs import parse
from offline.apigateway import Gateway, _route
from offline.deploy import Deployer, Method, RestApi
from offline.identity import Clock, IssuedCredentials
from offline.stack import SHUTDOWN_POLL_SECONDS
from offline.template import Template, TemplateError
from tests.client.conftest import outputs_document

REGION, ACCOUNT = "us-east-1", "123456789012"
POOL = f"{REGION}:pool"
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{REGION}_pool"
IDENTITY = f"{REGION}:identity-1"


def resource(parent: dict[str, Any], part: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::Resource",
        "Properties": {"ParentId": parent, "PathPart": part, "RestApiId": {"Ref": "Api"}},
    }


def method(
    on: dict[str, Any], verb: str, authorization: str = "AWS_IAM", kind: str = "AWS_PROXY"
) -> dict[str, Any]:
    uri = {"Fn::Join": ["", ["arn:aws:apigateway:", {"Ref": "AWS::Region"},
                             ":lambda:path/2015-03-31/functions/",
                             {"Fn::GetAtt": ["Fn", "Arn"]}, "/invocations"]]}  # fmt: skip
    return {
        "Type": "AWS::ApiGateway::Method",
        "Properties": {
            "HttpMethod": verb,
            "AuthorizationType": authorization,
            "ResourceId": on,
            "RestApiId": {"Ref": "Api"},
            "Integration": {"Type": kind, "Uri": uri},
        },
    }


ROOT = {"Fn::GetAtt": ["Api", "RootResourceId"]}
RESOURCES: dict[str, Any] = {
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "items"}},
    "Deployment": {
        "Type": "AWS::ApiGateway::Deployment",
        "Properties": {"RestApiId": {"Ref": "Api"}},
    },
    "Stage": {
        "Type": "AWS::ApiGateway::Stage",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "DeploymentId": {"Ref": "Deployment"},
            "StageName": "v1",
        },
    },
    "Fn": {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Handler": "app.handler",
            "Role": f"arn:aws:iam::{ACCOUNT}:role/fn",
            "Code": {"S3Bucket": "assets", "S3Key": "fn.zip"},
        },
    },
    "Me": resource(ROOT, "me"),
    "Health": resource(ROOT, "health"),
    "Boom": resource(ROOT, "boom"),
    "Tenants": resource(ROOT, "tenants"),
    "Tenant": resource({"Ref": "Tenants"}, "{tenant}"),
    "Items": resource({"Ref": "Tenant"}, "items"),
    "Item": resource({"Ref": "Items"}, "{id}"),
    "MeGet": method({"Ref": "Me"}, "GET"),
    "MeOptions": method({"Ref": "Me"}, "OPTIONS", "NONE", kind="MOCK"),
    "MePost": method({"Ref": "Me"}, "POST", "COGNITO_USER_POOLS"),
    "HealthGet": method({"Ref": "Health"}, "GET", "NONE"),
    "BoomGet": method({"Ref": "Boom"}, "GET", "NONE"),
    "ItemsGet": method({"Ref": "Items"}, "GET"),
    "ItemPut": method({"Ref": "Item"}, "PUT"),
}
STAGE_URL = {
    "Fn::Join": [
        "",
        ["https://", {"Ref": "Api"}, ".execute-api.", {"Ref": "AWS::Region"}, ".",
         {"Ref": "AWS::URLSuffix"}, "/", {"Ref": "Stage"}, "/"],
    ]
}  # fmt: skip


def deploy(tmp_path: Path, resources: dict[str, Any]) -> Any:
    path = tmp_path / "items-sandbox.template.json"
    path.write_text(
        json.dumps({"Resources": resources, "Outputs": {"ApiUrl": {"Value": STAGE_URL}}})
    )
    destination = {"d": {"objectKey": "fn.zip"}}
    manifest = {"files": {"h": {"source": {"path": "asset.h", "packaging": "zip"},
                                "destinations": destination}}}  # fmt: skip
    (tmp_path / "items-sandbox.assets.json").write_text(json.dumps(manifest))
    session = boto3.Session(region_name=REGION)
    return Deployer(Template.load(path), session, REGION, ACCOUNT).deploy()


class Recorder:
    """The function: records each event; GET /boom fails."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.log = io.StringIO()

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        if event["path"] == "/boom":
            raise RuntimeError("the function failed")
        body = json.dumps({"served": event["resource"]})
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}


@dataclass
class Served:
    url: str  # the API's stage URL, as the stack output gives it offline
    api: RestApi
    function: Recorder
    clock: Clock
    issued: IssuedCredentials
    keys: tuple[str, str, str]  # the access key, secret and session token issued

    def arn(self, verb: str, path: str) -> str:
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{self.api.id}/v1/{verb}{path}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with mock_aws():
        deployment = deploy(tmp_path_factory.mktemp("api"), RESOURCES)
        [api] = deployment.rest_apis.values()
        base = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.id}/v1"
        tenant = "${aws:PrincipalTag/tenant}"
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke",
                 "Resource": [f"{base}/GET/me", f"{base}/GET/tenants/{tenant}/items",
                              f"{base}/PUT/tenants/{tenant}/items/*"]},
                {"Effect": "Deny", "Action": "execute-api:Invoke",
                 "Resource": f"{base}/PUT/tenants/*/items/locked"},
            ],
        }  # fmt: skip
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="reader", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        iam.put_role_policy(RoleName="reader", PolicyName="p", PolicyDocument=json.dumps(policy))
        assumed = boto3.client("sts", region_name=REGION).assume_role(
            RoleArn=role, RoleSessionName="CognitoIdentityCredentials"
        )
        keys = assumed["Credentials"]
        amr = ("authenticated", PROVIDER, f"{PROVIDER}:CognitoSignIn:sub-1")
        function, clock = Recorder(), Clock()
        issued = IssuedCredentials(IDENTITY, role, {"tenant": "acme"}, POOL, amr,
                                   assumed["AssumedRoleUser"]["Arn"], clock.now())  # fmt: skip
        gateway = Gateway(
            deployment.rest_apis,
            {"Fn": function},
            {keys["AccessKeyId"]: issued},
            clock,
            ACCOUNT,
            REGION,
        )

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            request = Request(environ)
            return gateway(request, request.get_data())(environ, start_response)

        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(
            target=server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), daemon=True
        )
        thread.start()
        endpoint = f"http://127.0.0.1:{server.server_port}"
        try:
            own = (keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
            yield Served(deployment.outputs(endpoint)["ApiUrl"], api, function, clock, issued, own)
        finally:
            server.shutdown()
            server.server_close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def send(
    served: Served,
    verb: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    keys: tuple[str, str, str] | None = None,
    service: str = "execute-api",
    region: str = REGION,
    after_signing: dict[str, Any] | None = None,
) -> Answer:
    """A request to the served API, signed with ``keys`` (access key, secret, token) unless
    None; ``after_signing`` changes the request once signed (a forgery)."""
    request = AWSRequest(method=verb, url=served.url + path, data=body, headers=headers or {})
    if keys is not None:
        SigV4Auth(Credentials(*keys), service, region).add_auth(request)
    for name, value in (after_signing or {}).items():
        setattr(request, name, value)
    response = URLLib3Session().send(request.prepare())
    return Answer(response.status_code, dict(response.headers), json.loads(response.content))


def last_event(served: Served) -> dict[str, Any]:
    return served.function.events[-1]


def test_the_stack_output_points_at_the_api_on_the_offline_endpoint(served: Served) -> None:
    assert served.url.endswith(f"/{served.api.id}/v1/")
    assert served.url.startswith("http://127.0.0.1:")


def test_only_lambda_proxy_methods_with_none_or_iam_authorization_are_served(served) -> None:
    assert sorted(
        (m.http_method, m.resource_path, m.authorization) for m in served.api.methods
    ) == [
        ("GET", "/boom", "NONE"),
        ("GET", "/health", "NONE"),
        ("GET", "/me", "AWS_IAM"),
        ("GET", "/tenants/{tenant}/items", "AWS_IAM"),
        ("PUT", "/tenants/{tenant}/items/{id}", "AWS_IAM"),
    ]
    assert send(served, "POST", "me", keys=served.keys).body == {
        "message": "Missing Authentication Token"
    }


def test_the_clients_signature_verifies_and_the_identity_comes_from_the_credentials(served):
    source = credentials.Issued(IDENTITY, *served.keys, datetime(2100, 1, 1, tzinfo=UTC))
    identity = credentials.refreshing_session(REGION, lambda: source)
    stack = parse(outputs_document(Region=REGION, ItemsApiUrl=served.url))

    answer = items.call(identity, stack, "GET", "me")

    assert answer == items.Answer(200, {"served": "/me"})
    event = last_event(served)
    assert event["requestContext"]["identity"] | {"sourceIp": "-", "userAgent": "-"} == {
        "cognitoIdentityPoolId": POOL,
        "cognitoIdentityId": IDENTITY,
        "cognitoAuthenticationType": "authenticated",
        "cognitoAuthenticationProvider": f"{PROVIDER},{PROVIDER}:CognitoSignIn:sub-1",
        "accountId": ACCOUNT,
        "caller": event["requestContext"]["identity"]["caller"],
        "user": event["requestContext"]["identity"]["caller"],
        "userArn": served.issued.session_arn,
        "accessKey": served.keys[0],
        "principalOrgId": None,
        "apiKey": None,
        "apiKeyId": None,
        "clientCert": None,
        "sourceIp": "-",
        "userAgent": "-",
    }
    assert event["requestContext"]["identity"]["caller"].endswith(":CognitoIdentityCredentials")
    assert served.issued.session_arn.endswith(":assumed-role/reader/CognitoIdentityCredentials")


def test_path_parameters_come_from_the_resource_tree(served: Served) -> None:
    answer = send(served, "GET", "tenants/acme/items", keys=served.keys)

    assert answer.body == {"served": "/tenants/{tenant}/items"}
    event = last_event(served)
    assert event["pathParameters"] == {"tenant": "acme"}
    assert (event["path"], event["httpMethod"]) == ("/tenants/acme/items", "GET")
    context = event["requestContext"]
    assert (context["resourcePath"], context["path"], context["stage"], context["apiId"]) == (
        "/tenants/{tenant}/items",
        "/v1/tenants/acme/items",
        "v1",
        served.api.id,
    )


def test_a_signed_query_string_reaches_the_function(served: Served) -> None:
    """The listing's page token travels in the query string: signed with the request, and
    handed to the function as ``queryStringParameters``."""
    answer = send(served, "GET", "tenants/acme/items?next=bi0x", keys=served.keys)

    assert answer.status == 200
    event = last_event(served)
    assert event["queryStringParameters"] == {"next": "bi0x"}
    assert event["multiValueQueryStringParameters"] == {"next": ["bi0x"]}
    assert event["path"] == "/tenants/acme/items"


def test_the_path_stays_as_sent_and_path_parameters_are_decoded(served: Served) -> None:
    send(served, "GET", "tenants/%61cme/items", keys=served.keys)  # "%61" is "a"

    event = last_event(served)
    assert (event["path"], event["pathParameters"]) == ("/tenants/%61cme/items", {"tenant": "acme"})
    assert event["requestContext"]["path"] == "/v1/tenants/%61cme/items"


def test_forged_identity_headers_reach_the_function_only_as_headers(served: Served) -> None:
    forged = {"X-Cognito-Identity-Id": f"{REGION}:someone-else", "X-Amz-User-Arn": "forged"}

    send(served, "GET", "me", headers=forged, keys=served.keys)

    event = last_event(served)
    assert event["headers"]["X-Cognito-Identity-Id"] == f"{REGION}:someone-else"
    assert event["requestContext"]["identity"]["cognitoIdentityId"] == IDENTITY
    assert event["requestContext"]["identity"]["userArn"] == served.issued.session_arn


def test_an_unsigned_request_is_refused_and_the_same_request_signed_passes(served) -> None:
    calls = len(served.function.events)

    unsigned = send(served, "GET", "me")

    assert (unsigned.status, unsigned.body) == (403, {"message": "Missing Authentication Token"})
    assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert len(served.function.events) == calls
    assert send(served, "GET", "me", keys=served.keys).status == 200


def test_a_path_or_method_the_api_lacks_is_missing_authentication_token(served) -> None:
    for verb, path in [("GET", "nowhere"), ("DELETE", "me"), ("GET", "tenants/acme/items/x/y")]:
        answer = send(served, verb, path, keys=served.keys)
        assert (answer.status, answer.body) == (403, {"message": "Missing Authentication Token"})


def test_a_method_without_authorization_needs_no_signature(served: Served) -> None:
    answer = send(served, "GET", "health")

    assert (answer.status, answer.body) == (200, {"served": "/health"})
    identity = last_event(served)["requestContext"]["identity"]
    assert (identity["cognitoIdentityId"], identity["userArn"]) == (None, None)


def test_a_tampered_request_fails_the_signature_check(served: Served) -> None:
    body = json.dumps({"text": "mine"}).encode()
    tampered = json.dumps({"text": "forged"}).encode()

    answer = send(served, "PUT", "tenants/acme/items/a", body, keys=served.keys,
                  after_signing={"data": tampered})  # fmt: skip

    assert answer.status == 403
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert answer.body["message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    assert send(served, "PUT", "tenants/acme/items/a", body, keys=served.keys).status == 200


def test_unknown_keys_and_a_wrong_session_token_are_refused(served: Served) -> None:
    key, secret, token = served.keys
    invalid = {"message": "The security token included in the request is invalid."}

    assert send(served, "GET", "me", keys=("ASIAUNKNOWN", secret, token)).body == invalid
    assert send(served, "GET", "me", keys=(key, secret, token + "x")).body == invalid
    assert send(served, "GET", "me", keys=(key, secret, token)).status == 200


def test_expired_credentials_are_refused(served: Served) -> None:
    served.clock.offset += 2 * 60 * 60  # the credentials lived one hour
    try:
        answer = send(served, "GET", "me", keys=served.keys)
    finally:
        served.clock.offset -= 2 * 60 * 60

    assert (answer.status, answer.headers["x-amzn-ErrorType"]) == (403, "ExpiredTokenException")
    assert send(served, "GET", "me", keys=served.keys).status == 200


def test_a_signature_more_than_five_minutes_old_is_refused(served: Served) -> None:
    served.clock.offset += 6 * 60
    try:
        late = send(served, "GET", "me", keys=served.keys)
    finally:
        served.clock.offset -= 6 * 60
    served.clock.offset += 4 * 60
    try:
        in_time = send(served, "GET", "me", keys=served.keys)
    finally:
        served.clock.offset -= 4 * 60

    assert late.status == 403
    assert late.body["message"].startswith("Signature expired: ")
    assert in_time.status == 200


@pytest.mark.parametrize(
    ("service", "region", "error_type"),
    [
        ("s3", REGION, "InvalidSignatureException"),
        ("execute-api", "eu-west-1", "InvalidSignatureException"),
    ],
)
def test_a_signature_for_another_service_or_region_is_refused(
    served: Served, service: str, region: str, error_type: str
) -> None:
    answer = send(served, "GET", "me", keys=served.keys, service=service, region=region)

    assert (answer.status, answer.headers["x-amzn-ErrorType"]) == (403, error_type)


def test_a_malformed_authorization_header_is_refused(served: Served) -> None:
    answer = send(served, "GET", "me", headers={"Authorization": "Bearer not-a-signature"})

    assert (answer.status, answer.headers["x-amzn-ErrorType"]) == (
        403,
        "IncompleteSignatureException",
    )


def test_iam_judges_invoke_on_the_method_arn_with_the_session_tags(served: Served) -> None:
    other = send(served, "GET", "tenants/globex/items", keys=served.keys)
    own = send(served, "GET", "tenants/acme/items", keys=served.keys)

    assert (other.status, other.headers["x-amzn-ErrorType"]) == (403, "AccessDeniedException")
    assert other.body["Message"] == (
        f"User: {served.issued.session_arn} is not authorized to perform: execute-api:Invoke on "
        f"resource: {served.arn('GET', '/tenants/globex/items')} because no identity-based "
        "policy allows the execute-api:Invoke action"
    )
    assert own.status == 200


def test_an_explicit_deny_wins_and_says_so(served: Served) -> None:
    denied = send(served, "PUT", "tenants/acme/items/locked", b"{}", keys=served.keys)

    assert denied.status == 403
    assert denied.body["Message"].endswith(
        f"resource: {served.arn('PUT', '/tenants/acme/items/locked')} with an explicit deny"
    )
    assert send(served, "PUT", "tenants/acme/items/open", b"{}", keys=served.keys).status == 200


def test_an_encoded_slash_stays_inside_its_path_part(served: Served) -> None:
    """``acme%2F..%2Fglobex`` is one tenant part: it reaches no other route, and IAM judges the
    decoded path, which the tag's grant does not name."""
    answer = send(served, "GET", "tenants/acme%2F..%2Fglobex/items", keys=served.keys)

    assert answer.status == 403
    assert "tenants/acme/../globex/items" in answer.body["Message"]


def test_a_failing_function_is_api_gateways_502(served: Served) -> None:
    answer = send(served, "GET", "boom")

    assert (answer.status, answer.body) == (502, {"message": "Internal server error"})
    assert "RuntimeError: the function failed" in served.function.log.getvalue()


def test_routing_prefers_a_literal_then_a_parameter_then_a_greedy_part_then_any() -> None:
    api = RestApi(
        "api",
        frozenset({"v1"}),
        (
            Method("ANY", "/{proxy+}", "NONE", "greedy"),
            Method("GET", "/items/{id}", "NONE", "parameter"),
            Method("GET", "/items/latest", "NONE", "literal"),
            Method("ANY", "/items/{id}", "NONE", "any"),
        ),
    )

    def routed(verb: str, path: str) -> tuple[str, dict[str, str]] | None:
        found = _route(api, verb, path.split("/"))
        return None if found is None else (found[0].function, found[1])

    assert routed("GET", "items/latest") == ("literal", {})
    assert routed("GET", "items/7") == ("parameter", {"id": "7"})
    assert routed("PUT", "items/7") == ("any", {"id": "7"})
    assert routed("GET", "a/b%20c") == ("greedy", {"proxy": "a/b c"})
    assert routed("GET", "items/") is None  # an empty path part matches nothing


def test_a_rest_api_with_a_resource_policy_stops_the_run(tmp_path: Path) -> None:
    resources = {**RESOURCES, "Api": {"Type": "AWS::ApiGateway::RestApi",
                                      "Properties": {"Name": "items", "Policy": {}}}}  # fmt: skip
    with (
        mock_aws(),
        pytest.raises(
            TemplateError, match=r"Api \(AWS::ApiGateway::RestApi\): its resource policy is not"
        ),
    ):
        deploy(tmp_path, resources)
