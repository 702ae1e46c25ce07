"""Effective permissions: inline, attached and managed policies, and bucket policies."""

from __future__ import annotations

import json

from review.render import to_markdown
from review.report import Review, StackReview
from review.roles import roles, wildcard_actions
from review.template import Template
from tests.review.conftest import fixture, review_of
from tests.support.template import Synth


def test_default_roles_trust_and_permissions_keep_policy_variables(
    default_review: StackReview, synth: Synth
) -> None:
    by_name = {role.name: role for role in default_review.roles.values()}
    config = synth.demo.config
    [editor] = [group for group in config.groups if group.preset == "editor"]
    editors = by_name[config.group_role_name(editor.name)]
    assert editors.identity_pool_role and editors.tag_session
    [trust] = editors.trust
    # A group role trusts its user pool's identities only (the pool's provider name, readable).
    [amr] = trust.conditions["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"]
    assert amr.endswith(".ProviderName>") and amr.startswith("<UsersPool")
    assert list(trust.conditions["StringEquals"]) == ["cognito-identity.amazonaws.com:aud"]
    resources = {r for s in editors.permissions for r in s.resources}
    assert any(r.endswith("/tenants/${aws:PrincipalTag/tenant}/*") for r in resources)
    assert any(r.endswith("/private/${cognito-identity.amazonaws.com:sub}/*") for r in resources)
    # The sign-in function's grants come from an AWS::IAM::Policy attached through Roles.
    [sign_in] = [r for r in default_review.roles.values() if "SignIn" in r.key]
    assert "cognito-identity:GetOpenIdTokenForDeveloperIdentity" in {
        a for s in sign_in.permissions for a in s.actions
    }
    assert not sign_in.identity_pool_role
    assert all(not wildcard_actions(role) for role in default_review.roles.values())


def test_managed_and_bucket_policies_count_and_outside_policies_are_named() -> None:
    body = fixture("base")
    resources = body["Resources"]
    resources["Managed"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]
            }
        },
    }
    resources["EditorsRole"]["Properties"]["ManagedPolicyArns"] = [
        {"Ref": "Managed"},
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ]
    resources["BucketPolicy"] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "Bucket"},
            "PolicyDocument": {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": {"Fn::GetAtt": ["EditorsRole", "Arn"]}},
                        "Action": "s3:DeleteObject",
                        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/x/*"]]},
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:role/fixture-editors"},
                        "Action": "s3:GetObjectVersion",
                        "Resource": "*",
                    },
                ]
            },
        },
    }
    editors = roles(Template.from_json("stack", body))["EditorsRole"]
    sources = {(a, s.source) for s in editors.permissions for a in s.actions}
    assert ("sqs:SendMessage", "managed policy Managed") in sources
    assert ("s3:DeleteObject", "bucket policy BucketPolicy") in sources
    assert ("s3:GetObjectVersion", "bucket policy BucketPolicy") in sources
    assert editors.outside_policies == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    # The default role is named by neither bucket policy statement.
    default = roles(Template.from_json("stack", body))["DefaultRole"]
    assert all(not s.source.startswith("bucket policy") for s in default.permissions)


def test_role_policies_boundaries_and_not_action_are_read() -> None:
    body = fixture("base")
    resources = body["Resources"]
    resources["ByRef"] = {
        "Type": "AWS::IAM::RolePolicy",
        "Properties": {
            "RoleName": {"Ref": "EditorsRole"},
            "PolicyName": "a",
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        },
    }
    resources["ByName"] = {
        "Type": "AWS::IAM::RolePolicy",
        "Properties": {
            "RoleName": "fixture-editors",
            "PolicyName": "b",
            "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "x"}]
            },
        },
    }
    editors = resources["EditorsRole"]["Properties"]
    editors["PermissionsBoundary"] = {"Ref": "Boundary"}
    found = roles(Template.from_json("stack", body))
    role = found["EditorsRole"]
    assert role.permissions_boundary == "${Boundary}"
    by_source = {s.source: s for s in role.permissions}
    assert by_source["role policy ByRef"].actions == ["*"]
    negated = by_source["role policy ByName"]
    assert (negated.actions, negated.not_actions, negated.not_resources) == ([], ["iam:*"], ["x"])
    assert negated.action_labels == ["NotAction [iam:*]"]
    assert wildcard_actions(role) == [
        "*",
        "NotAction [iam:*] (every other action)",
        "NotAction [iam:*] on NotResource [x] (every other resource)",
    ]
    assert all(not s.source.startswith("role policy") for s in found["DefaultRole"].permissions)


def test_the_deploy_role_shows_which_github_jobs_may_assume_it(synth: Synth) -> None:
    """The stage's pipeline role: reviewers see the one job it trusts (repository, environment,
    workflow and branch)."""
    name = synth.providers.config.deploy_role_stack_name
    body = json.loads((synth.outdir / f"{name}.template.json").read_text())
    review = review_of(body, name)
    [role] = review.roles.values()
    [trust] = role.trust
    subjects = trust.conditions["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert subjects == [
        "repo:example-org/idpools:environment:sandbox:workflow_ref:"
        "example-org/idpools/.github/workflows/deploy.yml@refs/heads/main"
    ]
    assert "Federated" in to_markdown(Review([review]))
    assert not role.identity_pool_role
