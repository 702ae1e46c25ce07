"""The one way to make a role that Cognito Identity may assume (DESIGN.md invariant 1).

STS checks the trust policy on every ``AssumeRoleWithWebIdentity``: ``aud`` pins the role to
this identity pool, so a token from any other pool is refused, and ``amr`` keeps guest
identities off authenticated roles and the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import jsii
from aws_cdk import IStableStringProducer, Lazy
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.acknowledgements import acknowledge

COGNITO_IDENTITY = "cognito-identity.amazonaws.com"


class Amr(StrEnum):
    """The authentication method reference Cognito puts in the web identity token."""

    AUTHENTICATED = "authenticated"
    UNAUTHENTICATED = "unauthenticated"


@jsii.implements(IStableStringProducer)
class IdentityPoolIdSlot:
    """The identity pool id for roles made before the pool exists.

    The pool's one role attachment names the default roles and the roles rules map to, so
    those roles come first; their trust policies get the id at synth, once ``fill`` has run.
    """

    def __init__(self) -> None:
        self._pool: identitypool.IdentityPool | None = None
        self.token = Lazy.string(self)

    def fill(self, pool: identitypool.IdentityPool) -> None:
        self._pool = pool

    def produce(self) -> str:
        if self._pool is None:
            raise RuntimeError("IdentityPoolIdSlot was never filled with the identity pool")
        return self._pool.identity_pool_id


def identity_pool_principal(
    identity_pool_id: str, amr: Amr, *, tag_session: bool = False
) -> iam.IPrincipal:
    """``tag_session`` adds ``sts:TagSession``, which principal tags need, and only then."""
    principal = iam.FederatedPrincipal(
        COGNITO_IDENTITY,
        {
            "StringEquals": {f"{COGNITO_IDENTITY}:aud": identity_pool_id},
            "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": amr.value},
        },
        "sts:AssumeRoleWithWebIdentity",
    )
    return principal.with_session_tags() if tag_session else principal


def identity_pool_role(
    scope: Construct,
    construct_id: str,
    *,
    identity_pool_id: str,
    amr: Amr,
    description: str,
    role_name: str | None = None,
    tag_session: bool = False,
    policy: iam.PolicyDocument | None = None,
    acknowledgements: Sequence[tuple[str, str]] = (),
) -> iam.Role:
    """A role trusted only by ``identity_pool_id`` for identities with ``amr``.

    ``policy`` becomes the role's one inline policy, so a reviewer sees role and permissions in
    one template resource. ``acknowledgements`` are ``(cdk-nag finding, reason)`` pairs for that
    policy.
    """
    role = iam.Role(
        scope,
        construct_id,
        assumed_by=identity_pool_principal(identity_pool_id, amr, tag_session=tag_session),
        description=description,
        role_name=role_name,
        inline_policies={"Access": policy} if policy else None,
    )
    for finding, reason in acknowledgements:
        acknowledge(role, finding, reason)
    return role
