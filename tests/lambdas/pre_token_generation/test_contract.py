"""The hook reads what the stack gives it: its settings, and the rules it shares with the config."""

from __future__ import annotations

from aws_cdk.assertions import Capture

from facts import cognito, stack, sts
from facts.cloudformation import references
from infra.monitoring import HOOK_SERVICE
from lambdas.pre_token_generation import app as hook
from tests.support.template import Synth, pool_role, resolve, service_function

PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": "111122223333", "AWS::Region": "eu-west-1"}


def test_hook_settings_parse_and_name_the_group_roles(synth: Synth) -> None:
    template, config = synth.demo.assertions, synth.demo.config
    hook_config = Capture()
    template.has_resource_properties(
        "AWS::Lambda::Function", service_function(HOOK_SERVICE, HOOK_CONFIG=hook_config)
    )
    # Only pseudo parameters (the role ARNs' account): a Ref to a role or the pool would close
    # a dependency cycle.
    assert references(hook_config.as_object()) <= set(PSEUDO)
    settings = hook.HookConfig.from_json(resolve(hook_config.as_object(), PSEUDO))
    for group in config.groups:
        name = f"{config.stack_name}-{group.name}"
        template.has_resource_properties("AWS::IAM::Role", {"RoleName": name})
        assert settings.groups[group.name].role_arn == f"arn:aws:iam::111122223333:role/{name}"
        assert settings.groups[group.name].precedence == group.precedence
    # The default authenticated role the hook names for users in no group is the pool's.
    default_role = {"Properties": {"RoleName": config.default_role_name}}
    default_id = template.get_resource_id("AWS::IAM::Role", default_role)
    assert default_id == pool_role(template, "authenticated")
    assert settings.default_role_arn == (
        f"arn:aws:iam::111122223333:role/{config.default_role_name}"
    )
    assert settings.tagged == {claim for _, claim in config.principal_tags}


def test_run_time_copies_of_the_claim_rules_match_the_facts() -> None:
    assert hook.RESERVED_CLAIMS == cognito.RESERVED_CLAIMS
    assert hook.RESERVED_PREFIXES == cognito.RESERVED_PREFIXES
    assert hook.USER_ADMIN_SCOPE == cognito.USER_ADMIN_SCOPE
    assert hook.IDP_GROUPS_ATTRIBUTE == stack.IDP_GROUPS_ATTRIBUTE


def test_run_time_copies_of_stss_tag_limits_match_the_facts() -> None:
    assert hook.TAG_PUNCTUATION == sts.TAG_PUNCTUATION
    assert sts.TAG_VALUE_LENGTH[1] == hook.TAG_VALUE_LENGTH
