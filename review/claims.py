"""Which claims a rules-mapping rule may use, per external provider.

The same knowledge as ``infra/config/providers.py``'s ``PROVIDER_CLAIMS`` (from the Cognito
developer guide, "Role-based access control": Login with Amazon and Facebook offer only ``iss``,
``aud``, ``sub``; Google and Apple their OpenID Connect ID token claims; Twitter none). It is
copied here, keyed by the provider's ``Logins`` domain as the template names it, because ``review/``
must not import ``infra`` (that would load jsii); ``tests/review/test_claims.py`` fails if the
two tables drift apart. OIDC and SAML providers name their trusted claims in the config, which
the template does not carry, so their rules are not checked against a list.
"""

from __future__ import annotations

# Logins domain -> the config's provider key.
LOGIN_DOMAINS: dict[str, str] = {
    "accounts.google.com": "google",
    "graph.facebook.com": "facebook",
    "www.amazon.com": "amazon",
    "appleid.apple.com": "apple",
    "api.twitter.com": "twitter",
}

PROVIDER_CLAIMS: dict[str, frozenset[str]] = {
    "google": frozenset({"iss", "aud", "sub", "hd", "email_verified"}),
    "facebook": frozenset({"iss", "aud", "sub"}),
    "amazon": frozenset({"iss", "aud", "sub"}),
    "apple": frozenset({"iss", "aud", "sub", "email_verified"}),
    "twitter": frozenset(),
}

# Match types that compare part of a claim: a value the user influences can satisfy them.
PARTIAL_MATCHES = frozenset({"Contains", "StartsWith"})

TWITTER = "api.twitter.com"


def allowed_claims(provider: str) -> frozenset[str] | None:
    """The claims a rule for the provider (its Logins domain) may use; None: not known here."""
    key = LOGIN_DOMAINS.get(provider)
    return None if key is None else PROVIDER_CLAIMS[key]
