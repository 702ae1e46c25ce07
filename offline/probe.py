"""What a session may do in the sample bucket, as S3 answers it: one request per check.

Offline, ``offline.access`` judges these requests as IAM would (variables, conditions, the
bucket policy); against a real stack, AWS does. Either way the answer is the service's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

ALLOWED = "allowed"
DENIED = "denied"


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
