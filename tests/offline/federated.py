"""Helpers for the federated sign-in tests: an offline stack of the all-providers template, the
role the identity pool gives a federated ID token, and a token's claims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from client import aws
from offline.stack import OfflineStack
from offline.template import Template
from tests.support.template import Synth

SAML = "CorpSaml"
OIDC = "CorpOidc"
SAML_GROUPS = "http://schemas.xmlsoap.org/claims/Group"
SAML_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


def providers_template(synth: Synth) -> Template:
    return Template.load(synth.providers.path)


def saml_assertion(groups: Any = None) -> dict[str, Any]:
    asserted: dict[str, Any] = {SAML_EMAIL: "jdoe@corp.example"}
    if groups is not None:
        asserted[SAML_GROUPS] = groups
    return asserted


def role_of(stack: OfflineStack, id_token: str) -> str:
    """The role the identity pool hands this ID token (enhanced flow)."""
    outputs: Mapping[str, str] = stack.outputs
    identity = stack.session().client("cognito-identity")
    logins = {outputs["UserPoolProviderName"]: id_token}
    identity_id = identity.get_id(IdentityPoolId=outputs["IdentityPoolId"], Logins=logins)[
        "IdentityId"
    ]
    # GetCredentialsForIdentity is unsigned; the client makes it as an app does (the stack is
    # served at AWS_ENDPOINT_URL).
    public = aws.unsigned_client("cognito-identity", outputs["Region"])
    credentials = public.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    return stack.identity.issued[credentials["Credentials"]["AccessKeyId"]].role_arn


def user_attribute(stack: OfflineStack, username: str, name: str) -> str | None:
    pool_id = stack.outputs["UserPoolId"]
    user = (
        stack.session().client("cognito-idp").admin_get_user(UserPoolId=pool_id, Username=username)
    )
    return next((a["Value"] for a in user["UserAttributes"] if a["Name"] == name), None)
