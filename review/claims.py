"""Which claims a rules-mapping rule may use, per external provider, keyed by the provider's
``Logins`` domain as the template names it (``facts.cognito``). OIDC and SAML providers name their
trusted claims in the config, which the template does not carry, so their rules are not checked
against a list.
"""

from __future__ import annotations

from facts.cognito import PROVIDER_CLAIMS, SOCIAL_LOGIN_NAMES

# Logins domain -> the provider's key in PROVIDER_CLAIMS.
LOGIN_DOMAINS = {domain: key for key, domain in SOCIAL_LOGIN_NAMES.items()}

# Match types that compare part of a claim: a value the user influences can satisfy them.
PARTIAL_MATCHES = frozenset({"Contains", "StartsWith"})

TWITTER = SOCIAL_LOGIN_NAMES["twitter"]


def allowed_claims(provider: str) -> frozenset[str] | None:
    """The claims a rule for the provider (its Logins domain) may use; None: not known here."""
    key = LOGIN_DOMAINS.get(provider)
    return None if key is None else PROVIDER_CLAIMS[key]
