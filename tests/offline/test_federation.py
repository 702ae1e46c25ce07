"""Federated sign-in attacks on the offline stack of docs/examples/all-providers.json, with the
inbound federation trigger: IdP groups are re-read at every federated sign-in, match exactly,
and count only for the IdP whose table names them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offline.stack import OfflineStack
from offline.tokens import REFRESH_TOKENS, UserLambdaValidationException, issuing
from tests.offline.federated import (
    OIDC,
    SAML,
    SAML_GROUPS,
    providers_template,
    role_of,
    saml_assertion,
    user_attribute,
)
from tests.support.offline import claims_of, serving
from tests.support.template import Synth


@pytest.fixture(scope="module")
def stack(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    with serving(providers_template(synth), tmp_path_factory.mktemp("federation")) as stack:
        yield stack


def group_role(stack: OfflineStack, group: str) -> str:
    return f"arn:aws:iam::{stack.identity.account}:role/allproviders-sandbox-{group}"


def test_removal_at_the_idp_takes_effect_at_the_next_federated_sign_in(
    stack: OfflineStack,
) -> None:
    first = stack.federation.sign_in(SAML, "removed", saml_assertion("Domain Admins"))
    assert role_of(stack, first.id_token) == group_role(stack, "admins")

    # The IdP removed the user from the group: its next assertion carries no group claim.
    second = stack.federation.sign_in(SAML, "removed", saml_assertion(None))

    assert user_attribute(stack, second.username, "custom:idp_groups") == "[]"
    assert "cognito:groups" not in claims_of(second.id_token)
    assert role_of(stack, second.id_token) == stack.outputs["AuthenticatedRoleArn"]


def test_former_admins_is_not_admins(stack: OfflineStack) -> None:
    tokens = stack.federation.sign_in(SAML, "former", saml_assertion("Former Admins"))
    assert "cognito:groups" not in claims_of(tokens.id_token)
    assert role_of(stack, tokens.id_token) == stack.outputs["AuthenticatedRoleArn"]


def test_a_form_encoded_multi_valued_claim_is_decoded(stack: OfflineStack) -> None:
    # Cognito's rendering of a SAML attribute with two values, each form encoded.
    tokens = stack.federation.sign_in(SAML, "multi", saml_assertion("[App+Viewers, App+Editors]"))
    assert claims_of(tokens.id_token)["cognito:groups"] == ["editors", "viewers"]
    assert role_of(stack, tokens.id_token) == group_role(stack, "editors")


def test_another_idp_asserting_the_admin_group_name_gets_nothing(stack: OfflineStack) -> None:
    # CorpOidc's table maps only "viewers"; the names CorpSaml maps are not its to grant.
    tokens = stack.federation.sign_in(
        OIDC, "partner", {"sub": "partner", "groups": ["Domain Admins", "Admins", "admins"]}
    )
    assert "cognito:groups" not in claims_of(tokens.id_token)
    assert role_of(stack, tokens.id_token) == stack.outputs["AuthenticatedRoleArn"]


def test_a_refresh_keeps_the_last_federated_sign_ins_groups(stack: OfflineStack) -> None:
    """Documented bound (docs/providers.md): until the refresh token expires
    (federation.refreshTokenHours), a refresh reissues what the last sign-in mapped."""
    tokens = stack.federation.sign_in(SAML, "refresher", saml_assertion("Domain Admins"))
    pool = stack.federation._provider(SAML)[0]
    with issuing(REFRESH_TOKENS):
        _, id_token, _ = pool.create_tokens_from_refresh_token(tokens.refresh_token)
    assert claims_of(id_token)["cognito:groups"] == ["admins"]


def test_a_groups_value_the_trigger_cannot_read_fails_the_sign_in(stack: OfflineStack) -> None:
    with pytest.raises(UserLambdaValidationException):
        stack.federation.sign_in(SAML, "broken", {SAML_GROUPS: ["Domain Admins", 7]})


def test_a_federated_sign_in_is_managed_logins_and_its_refresh_a_refresh(
    stack: OfflineStack,
) -> None:
    """Developer guide, "Pre token generation Lambda trigger": a sign-in through managed login
    (every federated one) is TokenGeneration_HostedAuth; one event covers both tokens."""
    before = len(stack.tokens.trigger_sources)
    tokens = stack.federation.sign_in(SAML, "hosted", saml_assertion("Domain Admins"))
    pool = stack.federation._provider(SAML)[0]
    with issuing(REFRESH_TOKENS):
        pool.create_tokens_from_refresh_token(tokens.refresh_token)

    assert stack.tokens.trigger_sources[before:] == [
        "TokenGeneration_HostedAuth",
        "TokenGeneration_RefreshTokens",
    ]


def test_role_claims_reach_the_id_token_only(stack: OfflineStack) -> None:
    """Developer guide, "Using the access token": its claims hold cognito:groups, not the role
    claims, which "Using the ID token" lists."""
    tokens = stack.federation.sign_in(SAML, "roles", saml_assertion("Domain Admins"))

    id_claims, access_claims = claims_of(tokens.id_token), claims_of(tokens.access_token)

    assert id_claims["cognito:roles"] and id_claims["cognito:preferred_role"]
    assert access_claims["cognito:groups"] == id_claims["cognito:groups"]
    assert not {"cognito:roles", "cognito:preferred_role"} & set(access_claims)
