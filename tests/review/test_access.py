"""Access paths: groups with precedence, rules in order, default role, guest, developer."""

from __future__ import annotations

from review.access import Provider
from review.report import StackReview
from tests.review.conftest import fixture, review_of
from tests.support.template import Synth


def user_pool_provider(review: StackReview) -> Provider:
    [pool] = review.pools
    [provider] = [p for p in pool.providers if p.kind == "user pool"]
    return provider


def test_default_synth_lists_the_group_roles_by_precedence_and_the_default_role(
    default_review: StackReview, synth: Synth
) -> None:
    config = synth.demo.config
    [pool] = default_review.pools
    provider = user_pool_provider(default_review)
    assert provider.mapping == "Token"
    assert provider.ambiguous == "Deny"
    by_precedence = sorted(config.groups, key=lambda group: group.precedence)
    assert [
        (g.group, g.precedence, default_review.roles[g.role or ""].name) for g in provider.groups
    ] == [(g.name, g.precedence, config.group_role_name(g.name)) for g in by_precedence]
    assert provider.ties == []
    assert provider.principal_tags == {"tenant": "tenant"}
    assert pool.default_role is not None
    assert "Default authenticated role" in default_review.roles[pool.default_role].description
    assert not pool.guest
    assert not pool.classic_flow
    developer = config.developer_auth.provider_name
    assert pool.developer_provider == developer
    reach = {identity.label.split(" / ")[-1]: identity.role for identity in pool.identities}
    assert reach["no group"] == pool.default_role
    assert reach["several roles, no preferred role"] is None  # Deny
    assert reach[f"developer provider {developer}"] == pool.default_role
    assert "guest (unauthenticated)" not in reach


def test_guest_identity_only_when_guest_access_is_on() -> None:
    body = fixture("base")
    body["Resources"]["Pool"]["Properties"]["AllowUnauthenticatedIdentities"] = True
    [pool] = review_of(body).pools
    [guest] = [i for i in pool.identities if i.label == "guest (unauthenticated)"]
    assert guest.role == pool.guest_role == "GuestRole"


def test_a_precedence_tie_is_reported_and_ambiguous_role_resolution_decides() -> None:
    body = fixture("base")
    resources = body["Resources"]
    resources["ViewersGroup"] = {
        "Type": "AWS::Cognito::UserPoolGroup",
        "Properties": {
            "GroupName": "viewers",
            "Precedence": 20,
            "UserPoolId": {"Ref": "UserPool"},
            "RoleArn": {"Fn::GetAtt": ["DefaultRole", "Arn"]},
        },
    }
    mapping = resources["Attachment"]["Properties"]["RoleMappings"]["UserPool"]
    mapping["AmbiguousRoleResolution"] = "AuthenticatedRole"
    review = review_of(body)
    provider = user_pool_provider(review)
    assert provider.ties == [["editors", "viewers"]]
    [pool] = review.pools
    [ambiguous] = [i for i in pool.identities if i.label.endswith("no preferred role")]
    assert ambiguous.role == "DefaultRole"


def test_rules_mappings_keep_their_order_and_providers_without_one_get_the_default(
    providers_review: StackReview, synth: Synth
) -> None:
    config = synth.providers.config
    [oidc_config] = config.providers.oidc
    [pool] = providers_review.pools
    providers = {p.name: p for p in pool.providers}
    oidc = providers[oidc_config.provider_name]
    assert oidc.kind == "OIDC"
    assert [(r.order, r.claim, r.match_type, r.value) for r in oidc.rules] == [
        (order, rule.claim, rule.match_type, rule.value)
        for order, rule in enumerate(oidc_config.rules, start=1)
    ]
    assert len(oidc_config.rules) > 1  # the order is something to keep
    assert [providers_review.roles[r.role].name for r in oidc.rules if r.role] == [
        config.group_role_name(rule.role) for rule in oidc_config.rules
    ]
    [saml] = config.providers.saml
    assert providers[config.saml_provider_name(saml)].kind == "SAML"
    assert providers["accounts.google.com"].principal_tags == {"tenant": "hd"}
    assert providers["graph.facebook.com"].mapping == "none"
    [facebook] = [i for i in pool.identities if i.label == "graph.facebook.com"]
    assert facebook.role == pool.default_role
    # Both user pool clients (native and federated) map by token.
    assert [p.mapping for p in pool.providers if p.kind == "user pool"] == ["Token", "Token"]
