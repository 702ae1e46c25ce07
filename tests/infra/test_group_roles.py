"""Each configured group: a UserPoolGroup with its own role and a unique precedence."""

from __future__ import annotations

from aws_cdk.assertions import Capture

from tests.support.template import Synth, Synthesized, pool_role

GROUP = "AWS::Cognito::UserPoolGroup"


def group_roles(stack: Synthesized) -> dict[str, str]:
    """Configured group name -> the logical id of the role its UserPoolGroup carries."""
    roles = {}
    for group in stack.config.groups:
        role = Capture()
        stack.assertions.has_resource_properties(
            GROUP, {"GroupName": group.name, "RoleArn": {"Fn::GetAtt": [role, "Arn"]}}
        )
        roles[group.name] = role.as_string()
    return roles


def test_group_role_precedence_table_matches_config(synth: Synth) -> None:
    groups = synth.demo.config.groups
    assert {group.name: group.precedence for group in groups} == {
        "admins": 10,
        "editors": 20,
        "viewers": 30,
    }
    synth.demo.assertions.resource_count_is(GROUP, len(groups))
    for group in groups:
        synth.demo.assertions.has_resource_properties(
            GROUP, {"GroupName": group.name, "Precedence": group.precedence}
        )


def test_every_group_has_its_own_role(synth: Synth) -> None:
    roles = group_roles(synth.demo)
    assert len(set(roles.values())) == len(roles) == len(synth.demo.config.groups)
    for name, role in roles.items():
        named = {"Properties": {"RoleName": synth.demo.config.group_role_name(name)}}
        assert synth.demo.assertions.get_resource_id("AWS::IAM::Role", named) == role


def test_precedences_are_unique(synth: Synth) -> None:
    synth.demo.assertions.resource_count_is(GROUP, len(synth.demo.config.groups))
    for group in synth.demo.config.groups:
        synth.demo.assertions.resource_properties_count_is(
            GROUP, {"Precedence": group.precedence}, 1
        )


def test_group_roles_are_not_the_default_role(synth: Synth) -> None:
    roles = set(group_roles(synth.demo).values())
    assert pool_role(synth.demo.assertions, "authenticated") not in roles
    assert pool_role(synth.demo.assertions, "unauthenticated") not in roles
