"""Every request made with identity pool credentials, judged by ``facts.iam`` instead of moto.

moto's IAM enforcement matches policies literally: it does not fill in policy variables
(``${cognito-identity.amazonaws.com:sub}``, ``${aws:PrincipalTag/tenant}``), counts every
``Condition`` as failed, and judges a bucket policy without any request context. So for the
credentials ``offline.identity`` issued, ``offline.stack`` hands moto's check to ``judge``: the
role's policies and, for S3, the bucket's policy, over the request context IAM would build for
that session.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.iam.models import iam_backends
from moto.s3.models import s3_backends

from facts import iam
from facts.cognito import AMR, AUD, COGNITO_IDENTITY, SUB
from offline.identity import IssuedCredentials

# STS API reference, GetCallerIdentity: "No permissions are required to perform this operation"
# (an explicit deny does not stop it either).
ALWAYS_ALLOWED = "sts:GetCallerIdentity"
# The offline endpoint is plain HTTP; every AWS endpoint the client uses is HTTPS. So requests
# are judged as arriving over TLS, and the bucket policy's TLS-only deny is evaluated with the
# value a real client's request carries (docs/offline.md, "What the offline run proves").
SECURE_TRANSPORT = "true"


def context(
    caller: IssuedCredentials, account: str, now: float, region: str, source_ip: str
) -> dict[str, Any]:
    """The request context IAM builds for a Cognito identity pool session (a role session from
    ``AssumeRoleWithWebIdentity``), each key as the IAM user guide gives it: "AWS global
    condition context keys" and its "Principal key values" table (``aws:PrincipalType``
    ``AssumedRole``; ``aws:userid`` ``<role id>:<session name>``; ``aws:PrincipalArn`` the role's
    ARN, not the session's; ``aws:FederatedProvider`` ``cognito-identity.amazonaws.com`` for a
    Cognito-authenticated user; ``aws:TokenIssueTime`` when the credentials were issued;
    ``aws:PrincipalTag/*`` the role's tags, each overridden by a session tag of the same key:
    "Passing session tags in AWS STS"), and "Available keys for AWS web identity federation"
    (``cognito-identity.amazonaws.com:aud``, ``:amr`` (multivalued) and ``:sub``). Every key
    ``facts.iam.MODELLED_KEYS`` names that AWS sets for such a session is here."""
    role = iam_backends[account]["aws"].get_role_by_arn(caller.role_arn)
    session_name = caller.session_arn.rsplit("/", 1)[1]
    keys: dict[str, Any] = {
        SUB: caller.identity_id,
        AUD: caller.audience,
        AMR: list(caller.amr),
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": f"{role.id}:{session_name}",
        "aws:PrincipalArn": caller.role_arn,
        "aws:PrincipalAccount": account,
        "aws:FederatedProvider": COGNITO_IDENTITY,
        "aws:TokenIssueTime": _iso(caller.issued_at),
        "aws:SecureTransport": SECURE_TRANSPORT,
        "aws:CurrentTime": _iso(now),
        "aws:EpochTime": str(int(now)),
        "aws:SourceIp": source_ip,
        "aws:RequestedRegion": region,
    }
    tags = {tag["Key"]: tag["Value"] for tag in role.tags}
    # Keys compared without regard to case: a session tag replaces a role tag of any case.
    session_tags = {key.lower() for key in caller.session_tags}
    tags = {key: value for key, value in tags.items() if key.lower() not in session_tags}
    for key, value in {**tags, **caller.session_tags}.items():
        keys[f"aws:PrincipalTag/{key}"] = value
    return keys


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def role_policies(account: str, role_arn: str) -> list[dict[str, Any]]:
    """The role's inline and attached policies, as deployed into moto."""
    backend = iam_backends[account]["aws"]
    name = role_arn.rsplit("/", 1)[1]
    documents = [
        json.loads(backend.get_role_policy(name, policy)[1])
        for policy in backend.list_role_policies(name)
    ]
    attached, _ = backend.list_attached_role_policies(name)
    for policy in attached:
        [default] = [version for version in policy.versions if version.is_default]
        documents.append(json.loads(default.document))
    return documents


def bucket_policies(account: str, bucket: str | None) -> list[dict[str, Any]]:
    if not bucket:
        return []
    found = s3_backends[account]["aws"].buckets.get(bucket)
    return [json.loads(found.policy)] if found is not None and found.policy else []


def decide(
    caller: IssuedCredentials,
    account: str,
    now: float,
    action: str,
    resource: str | None,
    bucket: str | None,
    extra: dict[str, str],
    *,
    region: str,
    source_ip: str,
) -> iam.Decision:
    """IAM's decision on the caller's request: the role's policies, the bucket policy for S3,
    and the session policy as a bound, over the session's request context (``extra``: the
    request's own keys, such as ``s3:prefix``; ``region`` the one the request was signed for;
    ``source_ip`` the caller's address)."""
    if action.lower() == ALWAYS_ALLOWED.lower():
        return iam.Decision.ALLOW
    request = iam.Request(
        action,
        resource,
        {**context(caller, account, now, region, source_ip), **extra},
        principals=(caller.role_arn, caller.session_arn),
        account=account,
    )
    session = list(caller.session_policies) if caller.session_policies is not None else None
    return iam.decide(
        request,
        role_policies(account, caller.role_arn),
        bucket_policies(account, bucket),
        session,
    )


def judge(
    caller: IssuedCredentials,
    account: str,
    now: float,
    action: str,
    resource: str | None,
    bucket: str | None,
    extra: dict[str, str],
    refuse: Callable[[], None],
    *,
    region: str,
    source_ip: str,
) -> None:
    """``refuse()`` (moto's AccessDenied in the service's shape) unless IAM allows it."""
    decision = decide(
        caller, account, now, action, resource, bucket, extra, region=region, source_ip=source_ip
    )
    if decision is not iam.Decision.ALLOW:
        refuse()
