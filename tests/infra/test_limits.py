"""Limits AWS enforces at deploy time stop the synth instead (infra/config/limits.py), and the
synth's estimates hold to what the synthesized templates measure, with every value only a
deployment knows at its longest."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from facts import cloudformation
from infra.config import ConfigError, StorageConfig, parse_config, trigger_settings
from infra.config.limits import (
    ACCOUNT_ID,
    FIXED_VARIABLES_BYTES,
    HOOK_VARIABLE,
    IDENTITY_POOL_ID,
    LAMBDA_ENVIRONMENT_BYTES,
    LONGEST_PARTITION,
    LONGEST_REGION,
    TRIGGER_VARIABLE,
    TRUST_POLICY_CHARACTERS,
    USER_POOL_PROVIDER,
    compact_json,
    environment_bytes,
    group_trust_policy,
    hook_variable,
    policy_characters,
)
from tests.support.configs import demo_raw
from tests.support.session_synth import ALL_PROVIDERS
from tests.support.template import Synth, Synthesized, Template, resources, role_ids

# IAM user guide, "IAM and AWS STS quotas": a role's inline policies together.
ROLE_INLINE_POLICIES_CHARACTERS = 10240
# Far longer than any id, name or ARN a Ref or Fn::GetAtt of this stack returns.
ANY_VALUE = "x" * 256
PSEUDO = {
    "AWS::Partition": LONGEST_PARTITION,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Region": LONGEST_REGION,
    "AWS::URLSuffix": "amazonaws.com.cn",
}


class _Longest:
    """Resolves what only a deployment knows to the values the limits assume, the rest to
    ``ANY_VALUE``."""

    def __init__(self, template: Template) -> None:
        self.resources = template["Resources"]

    def ref(self, name: str) -> str:
        if name in PSEUDO:
            return PSEUDO[name]
        kind = self.resources.get(name, {}).get("Type")
        if kind == "AWS::Cognito::IdentityPool":
            return IDENTITY_POOL_ID
        if kind == "AWS::IAM::SAMLProvider":
            saml_name = self.resources[name]["Properties"]["Name"]
            return f"arn:{LONGEST_PARTITION}:iam::{ACCOUNT_ID}:saml-provider/{saml_name}"
        return ANY_VALUE

    def attribute(self, logical_id: str, attribute: str) -> str:
        if attribute == "ProviderName":
            return USER_POOL_PROVIDER
        return ANY_VALUE

    def unknown(self, function: str, argument: Any) -> Any:
        raise KeyError(function)


def resolved(stack: Synthesized, value: Any) -> Any:
    return cloudformation.resolve(value, _Longest(stack.template))


def function_variables(stack: Synthesized, variable: str) -> dict[str, str] | None:
    for function in resources(stack.template, "AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if variable in variables:
            return dict(resolved(stack, variables))
    return None


STACKS = ["demo", "variant", "providers", "forked", "configured"]


@pytest.mark.parametrize("stack_name", STACKS)
def test_the_hooks_environment_is_what_the_synth_measures(synth: Synth, stack_name: str) -> None:
    stack: Synthesized = getattr(synth, stack_name)
    variables = function_variables(stack, HOOK_VARIABLE)
    assert variables is not None
    assert variables[HOOK_VARIABLE] == hook_variable(stack.config)
    others = {key: value for key, value in variables.items() if key != HOOK_VARIABLE}
    assert environment_bytes(others) <= FIXED_VARIABLES_BYTES


def test_the_triggers_environment_is_what_the_synth_measures(synth: Synth) -> None:
    stack = synth.providers
    assert stack.config.federation is not None
    variables = function_variables(stack, TRIGGER_VARIABLE)
    assert variables is not None
    assert variables[TRIGGER_VARIABLE] == compact_json(trigger_settings(stack.config.federation))
    others = {key: value for key, value in variables.items() if key != TRIGGER_VARIABLE}
    assert environment_bytes(others) <= FIXED_VARIABLES_BYTES


@pytest.mark.parametrize("stack_name", STACKS)
def test_a_group_roles_trust_is_never_larger_than_the_synth_measures(
    synth: Synth, stack_name: str
) -> None:
    stack: Synthesized = getattr(synth, stack_name)
    roles = stack.template["Resources"]
    for group, role_id in role_ids(stack.template).items():
        deployed = policy_characters(
            resolved(stack, roles[role_id]["Properties"]["AssumeRolePolicyDocument"])
        )
        estimate = policy_characters(group_trust_policy(stack.config, group))
        # The estimate always counts sts:TagSession, which only tagged roles carry.
        assert deployed <= estimate <= deployed + len(',"sts:TagSession"') + 2, group


def sixty_groups() -> dict[str, Any]:
    raw = demo_raw()
    raw["groups"] = [
        {"name": f"group-{index:02}", "precedence": index, "preset": "viewer"}
        for index in range(60)
    ]
    return raw


def test_sixty_groups_stop_the_synth_at_lambdas_environment_limit() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(sixty_groups())
    message = str(caught.value)
    assert message.startswith("config.groups: 60 groups")
    assert f"Lambda allows {LAMBDA_ENVIRONMENT_BYTES} (4 KB) per function" in message
    # As many as fit go through, and one more does not.
    raw = sixty_groups()
    fits, too_many = 1, 60  # one group parses, sixty do not: halve the gap between them
    while too_many - fits > 1:
        middle = (fits + too_many) // 2
        if _parses({**raw, "groups": raw["groups"][:middle]}):
            fits = middle
        else:
            too_many = middle
    assert 20 <= fits < 60
    assert not _parses({**raw, "groups": raw["groups"][: fits + 1]})


def _parses(raw: dict[str, Any]) -> bool:
    try:
        parse_config(raw)
    except ConfigError:
        return False
    return True


def test_many_providers_mapping_to_one_group_stop_the_synth_at_iams_trust_limit() -> None:
    raw = demo_raw()
    rule = {
        "claim": "https://aws.amazon.com/SAML/Attributes/Role",
        "matchType": "Equals",
        "value": "admin",
        "role": "admins",
    }
    raw["providers"] = {
        "saml": [
            {
                "name": f"PartnerIdentityProvider{index:02}",
                "metadataFile": str(ALL_PROVIDERS.parent / "saml-metadata.xml"),
                "trustedClaims": [rule["claim"]],
                "rules": [rule],
            }
            for index in range(25)
        ]
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    message = str(caught.value)
    assert message.startswith("config.groups[0].name: the providers whose rules map to 'admins'")
    assert f"IAM allows {TRUST_POLICY_CHARACTERS} (Role trust policy length)" in message
    raw["providers"]["saml"] = raw["providers"]["saml"][:5]
    parse_config(raw)


def test_a_large_idp_group_map_stops_the_synth_at_lambdas_environment_limit() -> None:
    raw = copy.deepcopy(_all_providers())
    saml = raw["federation"]["saml"][0]
    saml["groupMap"] = {f"CN=Department {index:03},OU=Groups": "viewers" for index in range(120)}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).startswith(
        "config.federation: the IdPs' group maps make the inbound federation trigger's "
        "environment variables"
    )


def _all_providers() -> dict[str, Any]:
    return dict(json.loads(ALL_PROVIDERS.read_text()))


@pytest.mark.parametrize("stack_name", STACKS)
def test_no_roles_inline_policies_come_near_iams_limit(synth: Synth, stack_name: str) -> None:
    """The config does not grow them (the presets' grants are fixed): measured with every Ref
    and Fn::GetAtt at 256 characters and each folder name at its longest (64), the largest
    role's inline policies stay under IAM's 10,240 characters."""
    stack: Synthesized = getattr(synth, stack_name)
    storage = stack.config.storage
    inline: dict[str, int] = {}
    for role_id, role in resources(stack.template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            size = _measure(stack, policy["PolicyDocument"], storage)
            inline[role_id] = inline.get(role_id, 0) + size
    for policy in resources(stack.template, "AWS::IAM::Policy").values():
        for role in policy["Properties"].get("Roles", []):
            size = _measure(stack, policy["Properties"]["PolicyDocument"], storage)
            inline[role["Ref"]] = inline.get(role["Ref"], 0) + size
    assert inline
    assert max(inline.values()) <= ROLE_INLINE_POLICIES_CHARACTERS


def _measure(stack: Synthesized, document: Any, storage: StorageConfig) -> int:
    text = compact_json(resolved(stack, document))
    for folder in (storage.shared_prefix, storage.public_prefix):
        text = text.replace(folder, "f" * 63 + "/")
    return policy_characters(json.loads(text))
