"""Principal tags (ABAC): where tags flow, who trusts sts:TagSession, and the tenant folder.

The tenant folder is judged by the IAM evaluator over the roles' policies (plain JSON, as in
test_sample_bucket.py); the rest is stated with aws_cdk.assertions.
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from infra.config import WRITABLE, ConfigError, parse_config
from tests.infra.test_sample_bucket import BUCKET, ME, is_allowed, role_of, role_policies
from tests.support.configs import demo_raw
from tests.support.template import Template as TemplateJson
from tests.support.template import pool_role

ACME = {"tenant": "acme"}


def test_user_pool_tokens_map_the_tenant_claim_to_a_tag(assertions: Template) -> None:
    pool_id = assertions.get_resource_id("AWS::Cognito::UserPool")
    identity_pool_id = assertions.get_resource_id("AWS::Cognito::IdentityPool")
    assertions.resource_count_is("AWS::Cognito::IdentityPoolPrincipalTag", 1)
    assertions.has_resource_properties(
        "AWS::Cognito::IdentityPoolPrincipalTag",
        Match.object_equals(
            {
                "IdentityPoolId": {"Ref": identity_pool_id},
                "IdentityProviderName": {"Fn::GetAtt": [pool_id, "ProviderName"]},
                "PrincipalTags": {"tenant": "tenant"},
                "UseDefaults": False,
            }
        ),
    )


def federated_trust(**statement: object) -> dict:
    """Roles whose trust has a statement for a federated principal (and ``statement``)."""
    federated = {"Principal": {"Federated": Match.any_value()}, **statement}
    return {
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Statement": Match.array_with([Match.object_like(federated)])
            }
        }
    }


def trusts_tag_session(template: Template) -> dict[str, bool]:
    """Each role a federated principal may assume -> whether it may also tag the session."""
    federated = template.find_resources("AWS::IAM::Role", federated_trust())
    tagging = template.find_resources(
        "AWS::IAM::Role", federated_trust(Action=Match.array_with(["sts:TagSession"]))
    )
    return {logical_id: logical_id in tagging for logical_id in federated}


def test_tag_session_exactly_where_tags_flow(
    assertions: Template, variant_assertions: Template
) -> None:
    # Shipped: user pool tags reach the group roles; developer tags reach the default role.
    shipped_trust = trusts_tag_session(assertions)
    assert {k for k, v in shipped_trust.items() if not v} == {
        pool_role(assertions, "unauthenticated")
    }
    # Without user pool tags only the default role (developer identities) trusts TagSession.
    variant_trust = trusts_tag_session(variant_assertions)
    assert {k for k, v in variant_trust.items() if v} == {
        pool_role(variant_assertions, "authenticated")
    }
    variant_assertions.resource_count_is("AWS::Cognito::IdentityPoolPrincipalTag", 0)


def can(template: TemplateJson, who: str, action: str, key: str, tags: dict[str, str]) -> bool:
    return is_allowed(
        role_policies(template, role_of(template, who)),
        action,
        f"{BUCKET}/{key}",
        identity_id=ME,
        principal_tags=tags,
    )


@pytest.mark.parametrize(("who", "writes"), [("editors", True), ("viewers", False)])
def test_tenant_folder_follows_the_tag(template: TemplateJson, who: str, writes: bool) -> None:
    assert can(template, who, "s3:GetObject", "tenants/acme/plan.txt", ACME)
    assert can(template, who, "s3:PutObject", "tenants/acme/plan.txt", ACME) is writes
    # Another tenant's folder, or no tag at all, is refused.
    assert not can(template, who, "s3:GetObject", "tenants/globex/plan.txt", ACME)
    assert not can(template, who, "s3:GetObject", "tenants/acme/plan.txt", {})


def test_developer_identities_read_their_tenant_folder(template: TemplateJson) -> None:
    assert can(template, "default", "s3:GetObject", "tenants/acme/plan.txt", ACME)
    assert not can(template, "default", "s3:PutObject", "tenants/acme/plan.txt", ACME)
    assert not can(template, "default", "s3:GetObject", "tenants/globex/plan.txt", ACME)


def test_no_tenant_grant_where_no_tenant_tag_flows(variant: TemplateJson) -> None:
    assert not can(variant, "editors", "s3:GetObject", "tenants/acme/plan.txt", ACME)


def test_tag_from_a_user_writable_attribute_fails_the_synth() -> None:
    writable = sorted(WRITABLE)[0]
    raw = {**demo_raw(), "principalTags": {"tenant": writable}}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).startswith(
        f"config.principalTags.tenant: '{writable}' is writable by the app client"
    )


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"tenant": "nickname_x"}, r"principalTags\.tenant: 'nickname_x' is not a claim"),
        ({"tenant": "idp_groups"}, r"principalTags\.tenant: .*custom: prefix"),
        ({"bad tag!": "tenant"}, r"principalTags\.bad tag!: is not a valid tag key"),
        ({"tenant": 3}, r"principalTags\.tenant: expected str"),
    ],
)
def test_principal_tag_config_errors(tags: dict, expected: str) -> None:
    raw = {**demo_raw(), "principalTags": tags}
    with pytest.raises(ConfigError, match=rf"^config\.{expected}"):
        parse_config(raw)
