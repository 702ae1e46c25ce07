"""Who the credentials act as: the identity, the role the identity pool chose, the expiry.

The role is read back from STS ``GetCallerIdentity`` (an ``assumed-role`` ARN) rather than
predicted, so what is shown is what AWS will actually authorize.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import ClientError

from client.credentials import IdentitySession
from client.errors import ClientProblem
from client.outputs import StackOutputs


@dataclass(frozen=True)
class WhoAmI:
    identity_id: str
    caller_arn: str
    # None when the caller is not an assumed role (it always is with identity pool credentials).
    role_arn: str | None
    # The user pool group whose role this is, or None (the default authenticated role, ...).
    group: str | None
    expiration: datetime

    def as_json(self) -> dict[str, str | None]:
        return {
            "identityId": self.identity_id,
            "role": self.role_arn,
            "group": self.group,
            "expiration": self.expiration.isoformat(),
            "callerArn": self.caller_arn,
        }


def whoami(identity: IdentitySession, outputs: StackOutputs) -> WhoAmI:
    try:
        caller_arn: str = identity.session.client("sts").get_caller_identity()["Arn"]
    except ClientError as error:
        code = error.response["Error"]["Code"]
        raise ClientProblem(f"GetCallerIdentity refused ({code}): {error}", code=code) from None
    role_arn, group = role_of(caller_arn, outputs)
    return WhoAmI(identity.identity_id, caller_arn, role_arn, group, identity.expiration)


def role_of(caller_arn: str, outputs: StackOutputs) -> tuple[str | None, str | None]:
    """The role ARN behind ``arn:<partition>:sts::<account>:assumed-role/<name>/<session>``.

    The STS ARN drops the role's path, so the stack's own role ARNs are preferred when one has
    that name; the group comes from the ``Groups`` output.
    """
    prefix, _, resource = caller_arn.partition(":assumed-role/")
    name = resource.split("/")[0]
    if not name:
        return None, None
    for group in outputs.groups:
        if group.role_arn.rsplit("/", 1)[-1] == name:
            return group.role_arn, group.name
    if outputs.authenticated_role_arn.rsplit("/", 1)[-1] == name:
        return outputs.authenticated_role_arn, None
    partition, account = prefix.split(":")[1], prefix.split(":")[4]
    return f"arn:{partition}:iam::{account}:role/{name}", None
