"""Does a role's trust policy let Cognito Identity assume it for this identity?

STS evaluates the trust policy on every ``AssumeRoleWithWebIdentity``: the ones Cognito Identity
makes for ``GetCredentialsForIdentity`` and the ones a token holder makes directly (Cognito
developer guide, "IAM roles": "Role trust and permissions"). The context keys are
``cognito-identity.amazonaws.com:aud`` (the identity pool id), ``:amr`` (``authenticated`` or
``unauthenticated``, plus the provider) and ``:sub`` (the identity id). The trust policy is a
resource-based policy naming the federated principal; the one evaluator (``facts.iam``)
judges it, and raises on an operator it does not model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from facts import iam
from facts.cognito import COGNITO_IDENTITY

WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
TAG_SESSION = "sts:TagSession"


def allows(document: Mapping[str, Any], action: str, context: Mapping[str, Sequence[str]]) -> bool:
    """Allowed when a statement for the Cognito principal allows it and none denies it."""
    request = iam.Request(
        action,
        resource=None,
        context=context,
        federated=COGNITO_IDENTITY,
        keys=iam.WEB_IDENTITY_KEYS,
    )
    return iam.is_allowed(request, [], [document])
