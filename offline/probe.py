"""What a session may do in the sample bucket and the items API, as the services answer it: one
request per check.

Offline, ``offline.access`` judges these requests as IAM would (variables, conditions, the
bucket policy) and ``offline.apigateway`` as API Gateway would; against a real stack, AWS does.
Either way the answer is the service's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from client.items import Answer

ALLOWED = "allowed"
DENIED = "denied"
# The items function refused the caller another identity's item (IAM let the request through).
NOT_OWNER = "not owner"


@dataclass(frozen=True)
class Check:
    label: str
    action: str  # s3:GetObject or s3:PutObject
    key: str


def probe(s3: Any, bucket: str, check: Check) -> str:
    try:
        if check.action == "s3:GetObject":
            s3.get_object(Bucket=bucket, Key=check.key)
        else:
            s3.put_object(Bucket=bucket, Key=check.key, Body=b"offline probe")
        return ALLOWED
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code not in ("NoSuchKey", "404", "AccessDenied", "403"):
            raise  # broken credentials or a server error: not an answer about permissions
        # Reads are of seeded keys, so a refusal is AccessDenied and anything else an answer.
        return DENIED if code in ("AccessDenied", "403") else ALLOWED


def api_answer(answer: Answer) -> str:
    """Who decided: allowed (2xx); denied by IAM (API Gateway's 403 ``{"Message": "User: ... is
    not authorized to perform: execute-api:Invoke ..."}``); the function's ownership refusal
    (403 ``{"error", "field": "id"}``). Anything else is no answer about permissions and is
    shown as its status."""
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.ok:
        return ALLOWED
    if answer.status == 403 and "execute-api:Invoke" in str(body.get("Message", "")):
        return DENIED
    if answer.status == 403 and body.get("field") == "id":
        return NOT_OWNER
    return f"HTTP {answer.status}"
