"""Pre token generation events shaped as the Cognito developer guide documents them."""

from __future__ import annotations

import json
from typing import Any

from tests.lambdas.settings import ROLE_PREFIX, STACK

TRIGGER_SOURCES = (
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
)


def role(group: str) -> str:
    return f"{ROLE_PREFIX}{STACK}-{group}"


def saml_identity(provider: str = "CorpSAML", provider_type: str = "SAML") -> str:
    return json.dumps(
        [
            {
                "userId": "jdoe@corp.example",
                "providerName": provider,
                "providerType": provider_type,
                "issuer": None,
                "primary": "true",
                "dateCreated": "1700000000000",
            }
        ]
    )


def event(
    *,
    version: str = "2",
    trigger_source: str = "TokenGeneration_Authentication",
    groups: list[str] | None = None,
    attributes: dict[str, str] | None = None,
    client_metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A V1 ("1") or V2 ("2") event; roles and preferred role as Cognito computes them."""
    groups = [] if groups is None else groups
    request: dict[str, Any] = {
        "userAttributes": {
            "sub": "7d2e5a8c-0000-4000-8000-000000000001",
            "cognito:user_status": "CONFIRMED",
            "email_verified": "true",
            "email": " Alice@Example.COM ",
            "custom:tenant": " Acme ",
            **(attributes or {}),
        },
        "groupConfiguration": {
            "groupsToOverride": groups,
            "iamRolesToOverride": [role(group) for group in groups],
            "preferredRole": role(groups[0]) if groups else None,
        },
    }
    if client_metadata is not None:
        request["clientMetadata"] = client_metadata
    if version == "2":
        request["scopes"] = ["aws.cognito.signin.user.admin", "openid", "email"]
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_EXAMPLE1",
        "userName": "7d2e5a8c-0000-4000-8000-000000000001",
        "callerContext": {"awsSdkVersion": "aws-sdk-js-3.0.0", "clientId": "1example23456789"},
        "request": request,
        "response": {
            "claimsAndScopeOverrideDetails" if version == "2" else "claimsOverrideDetails": None
        },
    }
