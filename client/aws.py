"""boto3 clients for the calls that need no AWS credentials.

InitiateAuth, RespondToAuthChallenge, GetId, GetCredentialsForIdentity, GetOpenIdToken and
AssumeRoleWithWebIdentity authenticate the caller by the tokens in the request, not by a
signature. Sending them unsigned lets a machine with no AWS credentials at all sign in, and
keeps a developer's own credentials (if any) out of requests made on a user's behalf. The
endpoint comes from boto3's usual configuration (``AWS_ENDPOINT_URL`` for the offline run).
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config

_UNSIGNED = Config(signature_version=UNSIGNED)


@functools.cache
def _data_loader() -> Any:
    return botocore.loaders.create_loader()


def botocore_session() -> Any:
    """A new botocore session (no shared credentials or state) that shares one data loader:
    otherwise every session parses the endpoint and service models again, which costs more
    than the request it makes."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _data_loader())
    return session


def unsigned_client(service: str, region: str) -> Any:
    session = boto3.session.Session(botocore_session=botocore_session())
    return session.client(service, region_name=region, config=_UNSIGNED)
