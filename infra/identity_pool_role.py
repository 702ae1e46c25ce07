"""The one way to make a role that Cognito Identity may assume (docs/security.md, "Trust").

STS checks the trust policy on every ``AssumeRoleWithWebIdentity``: ``aud`` pins the role to
this identity pool, so a token from any other pool is refused, and ``amr`` names who may assume
it. Any holder of an identity pool token may call STS directly with any role ARN (developer
guide, "Identity pools authentication flow": the basic flow; ``AllowClassicFlow: false`` makes
Cognito refuse ``GetOpenIdToken`` but STS never sees the pool's settings), so the trust policy,
not the role mapping, is what keeps a role from the identities that must not have it.

The token's ``amr`` holds ``authenticated`` (or ``unauthenticated``) and, when authenticated,
every provider used to sign in, by its login name (developer guide, "Role trust and
permissions": a role can trust only Facebook users with ``amr`` ``graph.facebook.com``). So:

- a group role names the providers that reach it: the user pool's provider name, and the
  external providers whose rules map to it;
- only the pool's default authenticated role trusts any authenticated identity
  (``ANY_AUTHENTICATED``: users in no group, developer identities), and only the guest role
  ``unauthenticated`` (``GUESTS``).
"""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import IStableStringProducer, Lazy
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from constructs import Construct

from facts.cognito import AMR, AUD, AUTHENTICATED, COGNITO_IDENTITY, UNAUTHENTICATED
from infra.acknowledgements import acknowledge

# The amr values of the pool's two default roles; every other role names providers.
ANY_AUTHENTICATED = (AUTHENTICATED,)
GUESTS = (UNAUTHENTICATED,)


@jsii.implements(IStableStringProducer)
class IdentityPoolIdSlot:
    """The identity pool id for what is made before the pool exists.

    The pool's one role attachment names the default roles and the roles rules map to, so
    those roles come first, and so does the items API their grants name; the roles' trust
    policies and the items function's environment get the id at synth, once ``fill`` has run.
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
    identity_pool_id: str, amr: Sequence[str], *, tag_session: bool = False
) -> iam.IPrincipal:
    """``tag_session`` adds ``sts:TagSession``, which principal tags need, and only then."""
    if not amr:
        raise ValueError("a role Cognito Identity may assume must name who: amr is empty")
    values = list(dict.fromkeys(amr))
    principal = iam.FederatedPrincipal(
        COGNITO_IDENTITY,
        {
            "StringEquals": {AUD: identity_pool_id},
            "ForAnyValue:StringLike": {AMR: values[0] if len(values) == 1 else values},
        },
        "sts:AssumeRoleWithWebIdentity",
    )
    return principal.with_session_tags() if tag_session else principal


def identity_pool_role(
    scope: Construct,
    construct_id: str,
    *,
    identity_pool_id: str,
    amr: Sequence[str],
    description: str,
    role_name: str | None = None,
    tag_session: bool = False,
    policy: iam.PolicyDocument | None = None,
    acknowledgements: Sequence[tuple[str, str]] = (),
) -> iam.Role:
    """A role trusted only by ``identity_pool_id`` for identities whose token's ``amr`` holds one
    of ``amr``: provider login names, or ``ANY_AUTHENTICATED`` / ``GUESTS`` for the pool's two
    default roles.

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
