"""The hook reads what the stack gives it: its settings, and the rules it shares with the config."""

from __future__ import annotations

from facts import cognito, stack
from facts.cloudformation import references
from lambdas.pre_token_generation import app as hook
from tests.support.template import Synth, resolve, under

PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": "111122223333", "AWS::Region": "eu-west-1"}


def test_hook_settings_parse_and_name_the_group_roles(synth: Synth) -> None:
    template = synth.demo.template
    _, fn = under(template, "AWS::Lambda::Function", "TokenHook")
    environment = fn["Properties"]["Environment"]["Variables"]
    # Only pseudo parameters: a Ref to a role or the pool would close a dependency cycle.
    assert references(environment["HOOK_CONFIG"]) <= set(PSEUDO)
    settings = hook.HookConfig.from_json(resolve(environment["HOOK_CONFIG"], PSEUDO))
    role_names = {
        resource["Properties"]["RoleName"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Role" and "RoleName" in resource["Properties"]
    }
    for group in synth.demo.config.groups:
        name = f"{synth.demo.config.stack_name}-{group.name}"
        assert name in role_names
        assert settings.groups[group.name].role_arn == f"arn:aws:iam::111122223333:role/{name}"
        assert settings.groups[group.name].precedence == group.precedence
    # The default authenticated role the hook names for users in no group is the pool's.
    (attachment,) = (
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Cognito::IdentityPoolRoleAttachment"
    )
    default_role = template["Resources"][
        attachment["Properties"]["Roles"]["authenticated"]["Fn::GetAtt"][0]
    ]
    default_name = default_role["Properties"]["RoleName"]
    assert default_name == synth.demo.config.default_role_name
    assert settings.default_role_arn == f"arn:aws:iam::111122223333:role/{default_name}"
    assert settings.tagged == {claim for _, claim in synth.demo.config.principal_tags}


def test_run_time_copies_of_the_claim_rules_match_the_facts() -> None:
    assert hook.RESERVED_CLAIMS == cognito.RESERVED_CLAIMS
    assert hook.RESERVED_PREFIXES == cognito.RESERVED_PREFIXES
    assert hook.USER_ADMIN_SCOPE == cognito.USER_ADMIN_SCOPE
    assert hook.IDP_GROUPS_ATTRIBUTE == stack.IDP_GROUPS_ATTRIBUTE
