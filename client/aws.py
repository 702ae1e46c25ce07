"""boto3 clients for the calls that need no AWS credentials.

InitiateAuth, RespondToAuthChallenge, GetId, GetCredentialsForIdentity, GetOpenIdToken and
AssumeRoleWithWebIdentity authenticate the caller by the tokens in the request, not by a
signature. Sending them unsigned lets a machine with no AWS credentials at all sign in, and
keeps a developer's own credentials (if any) out of requests made on a user's behalf. The
endpoint comes from boto3's usual configuration (``AWS_ENDPOINT_URL`` for the offline run).
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config

_UNSIGNED = Config(signature_version=UNSIGNED)


def unsigned_client(service: str, region: str) -> Any:
    return boto3.session.Session().client(service, region_name=region, config=_UNSIGNED)
