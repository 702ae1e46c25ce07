"""Each configured group: a UserPoolGroup with its own role and a unique precedence."""

from __future__ import annotations

from tests.support.template import Synth, Template, resources


def group_table(template: Template) -> dict[str, tuple[int, str]]:
    """group name -> (precedence, logical id of its role)."""
    return {
        group["Properties"]["GroupName"]: (
            group["Properties"]["Precedence"],
            group["Properties"]["RoleArn"]["Fn::GetAtt"][0],
        )
        for group in resources(template, "AWS::Cognito::UserPoolGroup").values()
    }


def test_group_role_precedence_table_matches_config(synth: Synth) -> None:
    table = group_table(synth.demo.template)
    assert {name: precedence for name, (precedence, _) in table.items()} == {
        "admins": 10,
        "editors": 20,
        "viewers": 30,
    }
    assert {name: precedence for name, (precedence, _) in table.items()} == {
        group.name: group.precedence for group in synth.demo.config.groups
    }


def test_every_group_has_its_own_role(template: Template) -> None:
    roles = [role for _, role in group_table(template).values()]
    assert len(set(roles)) == len(roles) == 3
    for role in roles:
        assert template["Resources"][role]["Type"] == "AWS::IAM::Role"


def test_precedences_are_unique(template: Template) -> None:
    precedences = [precedence for precedence, _ in group_table(template).values()]
    assert len(set(precedences)) == len(precedences)


def test_group_roles_are_not_the_default_role(template: Template) -> None:
    roles = {role for _, role in group_table(template).values()}
    assert not [role for role in roles if role.startswith("Identities")]
