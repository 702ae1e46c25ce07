"""What a session may do in the sample bucket, as moto's IAM enforcement answers, and whether
that answer can be trusted.

moto evaluates identity policies with literal ``Action``/``Resource`` matching: it does not
substitute policy variables (``${cognito-identity.amazonaws.com:sub}``,
``${aws:PrincipalTag/...}``) and treats any ``Condition`` as failed. So when a statement that
uses either could apply to the request (its variables filled in with what this session really
carries), a denial from moto proves nothing and the result is "not evaluated offline".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from moto.iam.models import iam_backends

from offline.policy import as_list, glob_matches

ALLOWED = "allowed"
DENIED = "denied"
NOT_EVALUATED = "not evaluated offline"
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Check:
    label: str
    action: str  # s3:GetObject or s3:PutObject
    key: str


def probe(
    s3: Any,
    bucket: str,
    check: Check,
    policies: Iterable[Mapping[str, Any]],
    variables: Mapping[str, str],
) -> str:
    try:
        if check.action == "s3:GetObject":
            s3.get_object(Bucket=bucket, Key=check.key)
        else:
            s3.put_object(Bucket=bucket, Key=check.key, Body=b"offline probe")
        answer = ALLOWED
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code not in ("NoSuchKey", "404", "AccessDenied", "403"):
            raise  # broken credentials or a server error: not an answer about permissions
        answer = DENIED if code in ("AccessDenied", "403") else ALLOWED
    if answer == DENIED and _unevaluated(policies, check.action, bucket, check.key, variables):
        return NOT_EVALUATED
    return answer


def role_policies(account: str, role_arn: str) -> list[dict[str, Any]]:
    iam = iam_backends[account]["aws"]
    name = role_arn.rsplit("/", 1)[1]
    return [
        json.loads(iam.get_role_policy(name, policy)[1]) for policy in iam.list_role_policies(name)
    ]


def _unevaluated(
    policies: Iterable[Mapping[str, Any]],
    action: str,
    bucket: str,
    key: str,
    variables: Mapping[str, str],
) -> bool:
    resource = f"arn:aws:s3:::{bucket}/{key}"
    for policy in policies:
        for statement in as_list(policy.get("Statement", [])):
            if not any(glob_matches(a, action) for a in as_list(statement.get("Action", []))):
                continue
            for pattern in as_list(statement.get("Resource", [])):
                uses_variables = bool(_VARIABLE.search(pattern))
                if not (uses_variables or "Condition" in statement):
                    continue
                filled = _VARIABLE.sub(lambda m: variables.get(m.group(1), "\0"), pattern)
                if glob_matches(filled, resource):
                    return True
    return False
