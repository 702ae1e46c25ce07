"""The sample bucket's protections, and each role's reach tested as attacks.

The attacks judge each role's policies with the IAM evaluator (facts/iam.py), so they read the
template as plain JSON; the bucket's own settings are stated with aws_cdk.assertions.
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match
from aws_cdk.assertions import Template as Assertions

from facts import iam
from tests.support.template import Template, resolve, resources

BUCKET = "arn:aws:s3:::sample-bucket"
# Where the tests deploy: what the template leaves to CloudFormation, filled in.
REGION, ACCOUNT = "eu-west-1", "111122223333"
ME = "eu-west-1:11111111-1111-1111-1111-111111111111"
OTHER = "eu-west-1:22222222-2222-2222-2222-222222222222"


def bucket_id(template: Template) -> str:
    [logical_id] = [
        logical_id
        for logical_id, bucket in resources(template, "AWS::S3::Bucket").items()
        if "LoggingConfiguration" in bucket["Properties"]
    ]
    return logical_id


def deployed_names(template: Template) -> dict[str, str]:
    """Names for what a role's policies reference: the bucket, the REST APIs (their ids are
    their logical ids in lower case) and the pseudo parameters."""
    apis = {api: api.lower() for api in resources(template, "AWS::ApiGateway::RestApi")}
    pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
    return {f"{bucket_id(template)}.Arn": BUCKET, **apis, **pseudo}


def role_policies(template: Template, role_id: str) -> list[dict]:
    names = deployed_names(template)
    policies = template["Resources"][role_id]["Properties"].get("Policies", [])
    return [resolve(policy["PolicyDocument"], names) for policy in policies]


def role_of(template: Template, name: str) -> str:
    """The logical id of a group's role, or of the pool's ``default`` or ``guest`` role."""
    if name in ("default", "guest"):
        prefix = {"default": "IdentitiesAuthenticatedRole", "guest": "IdentitiesGuestRole"}[name]
        [role] = [r for r in template["Resources"] if r.startswith(prefix)]
        return role
    [arn] = [
        group["Properties"]["RoleArn"]
        for group in resources(template, "AWS::Cognito::UserPoolGroup").values()
        if group["Properties"]["GroupName"] == name
    ]
    return str(arn["Fn::GetAtt"][0])


def is_allowed(
    policies: list[dict],
    action: str,
    resource: str,
    *,
    identity_id: str,
    context: dict[str, str] | None = None,
    principal_tags: dict[str, str] | None = None,
) -> bool:
    """What the role's policies allow an identity pool session (facts/iam.py judges)."""
    tags = {f"aws:PrincipalTag/{key}": value for key, value in (principal_tags or {}).items()}
    request_context = {"cognito-identity.amazonaws.com:sub": identity_id, **tags, **(context or {})}
    return iam.is_allowed(iam.Request(action, resource, request_context), policies)


def can(template: Template, who: str, action: str, key: str, identity: str = ME) -> bool:
    return is_allowed(
        role_policies(template, role_of(template, who)),
        action,
        f"{BUCKET}/{key}",
        identity_id=identity,
    )


def can_list(template: Template, who: str, prefix: str) -> bool:
    return is_allowed(
        role_policies(template, role_of(template, who)),
        "s3:ListBucket",
        BUCKET,
        identity_id=ME,
        context={"s3:prefix": prefix},
    )


MEMBERS = ("admins", "editors", "viewers")


@pytest.mark.parametrize("who", [*MEMBERS, "default"])
def test_own_private_folder_is_readable_and_writable(template: Template, who: str) -> None:
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert can(template, who, action, f"private/{ME}/notes.txt")
    assert can_list(template, who, f"private/{ME}/")


@pytest.mark.parametrize("who", [*MEMBERS, "default"])
def test_another_identitys_private_folder_is_refused(template: Template, who: str) -> None:
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert not can(template, who, action, f"private/{OTHER}/notes.txt")
    assert not can_list(template, who, f"private/{OTHER}/")
    # A prefix that merely starts like mine is someone else's.
    assert not can(template, who, "s3:GetObject", f"private/{ME}x/notes.txt")


@pytest.mark.parametrize("who", ["editors", "viewers"])
def test_protected_is_read_by_members_and_written_only_by_its_owner(
    template: Template, who: str
) -> None:
    assert can(template, who, "s3:GetObject", f"protected/{OTHER}/avatar.png")
    assert can(template, who, "s3:PutObject", f"protected/{ME}/avatar.png")
    assert not can(template, who, "s3:PutObject", f"protected/{OTHER}/avatar.png")
    assert not can(template, who, "s3:DeleteObject", f"protected/{OTHER}/avatar.png")


def test_default_role_reaches_only_its_own_private_folder(template: Template) -> None:
    others = ("shared/report.pdf", "public/logo.png", f"protected/{OTHER}/a", f"protected/{ME}/a")
    for key in others:
        assert not can(template, "default", "s3:GetObject", key), key
    assert not can_list(template, "default", "")


def test_viewers_read_shared_but_cannot_write_it(template: Template) -> None:
    assert can(template, "viewers", "s3:GetObject", "shared/report.pdf")
    assert can_list(template, "viewers", "shared/")
    assert not can(template, "viewers", "s3:PutObject", "shared/report.pdf")
    assert not can(template, "viewers", "s3:DeleteObject", "shared/report.pdf")


def test_editors_write_shared_but_not_public(template: Template) -> None:
    assert can(template, "editors", "s3:PutObject", "shared/report.pdf")
    assert can(template, "editors", "s3:DeleteObject", "shared/report.pdf")
    assert can(template, "editors", "s3:GetObject", "public/logo.png")
    assert not can(template, "editors", "s3:PutObject", "public/logo.png")
    assert not can(template, "editors", "s3:PutObject", "other/file")


def test_admins_write_every_folder_but_not_the_bucket_configuration(template: Template) -> None:
    for key in ("shared/a", "public/a", f"protected/{OTHER}/a", "tenants/globex/a"):
        assert can(template, "admins", "s3:PutObject", key), key
        assert can(template, "admins", "s3:DeleteObject", key), key
    assert can_list(template, "admins", "protected/")
    assert not can(template, "admins", "s3:PutObject", "outside/the/layout")
    policies = role_policies(template, role_of(template, "admins"))
    for action in ("s3:PutBucketPolicy", "s3:DeleteBucket", "s3:PutBucketAcl", "iam:PassRole"):
        assert not is_allowed(policies, action, BUCKET, identity_id=ME), action


def test_no_role_reaches_another_bucket(template: Template, variant: Template) -> None:
    for t in (template, variant):
        for who in (*MEMBERS, "default", "guest"):
            policies = role_policies(t, role_of(t, who))
            for action in ("s3:GetObject", "s3:PutObject"):
                assert not is_allowed(
                    policies, action, "arn:aws:s3:::other-bucket/public/a", identity_id=ME
                )


def test_guest_role_grants_nothing_while_guest_access_is_off(template: Template) -> None:
    assert role_policies(template, role_of(template, "guest")) == []


def test_guests_only_read_the_public_folder(variant: Template) -> None:
    assert can(variant, "guest", "s3:GetObject", "public/logo.png")
    assert can_list(variant, "guest", "public/")
    assert not can(variant, "guest", "s3:PutObject", "public/logo.png")
    for key in ("shared/report.pdf", f"private/{ME}/a", f"protected/{OTHER}/a"):
        assert not can(variant, "guest", "s3:GetObject", key), key
    assert not can_list(variant, "guest", "")


def test_bucket_is_encrypted_private_tls_only_and_logged(assertions: Assertions) -> None:
    bucket = assertions.get_resource_id(
        "AWS::S3::Bucket", {"Properties": {"LoggingConfiguration": Match.any_value()}}
    )
    access_logs = assertions.get_resource_id(
        "AWS::S3::Bucket", {"Properties": {"LoggingConfiguration": Match.absent()}}
    )
    assertions.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
                ]
            },
            "PublicAccessBlockConfiguration": Match.object_equals(
                {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                }
            ),
            "LoggingConfiguration": {"DestinationBucketName": {"Ref": access_logs}},
        },
    )
    this_bucket = {"Bucket": {"Ref": bucket}}
    assertions.resource_properties_count_is("AWS::S3::BucketPolicy", this_bucket, 1)
    tls_only = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Condition": Match.exact({"Bool": {"aws:SecureTransport": "false"}}),
        "Principal": Match.exact({"AWS": "*"}),
    }
    assertions.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            **this_bucket,
            "PolicyDocument": {"Statement": Match.array_with([Match.object_like(tls_only)])},
        },
    )


def test_a_request_without_tls_is_refused_whatever_the_role_allows(template: Template) -> None:
    """The bucket policy, judged with the admins' identity policy as IAM evaluates both: over
    TLS the admins write, over plain HTTP the bucket's explicit deny wins."""
    [bucket_policy] = [
        p["Properties"]["PolicyDocument"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id(template)}
    ]
    resolved = resolve(bucket_policy, {f"{bucket_id(template)}.Arn": BUCKET})
    admins = role_policies(template, role_of(template, "admins"))

    def put(secure: str) -> iam.Decision:
        context = {"aws:SecureTransport": secure}
        return iam.decide(
            iam.Request("s3:PutObject", f"{BUCKET}/shared/a", context), admins, [resolved]
        )

    assert put("true") is iam.Decision.ALLOW
    assert put("false") is iam.Decision.EXPLICIT_DENY


def test_buckets_are_retained_outside_the_sandbox(
    assertions: Assertions, variant_assertions: Assertions
) -> None:
    assertions.all_resources("AWS::S3::Bucket", {"DeletionPolicy": "Delete"})
    variant_assertions.all_resources("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})
