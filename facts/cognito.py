"""Amazon Cognito's facts, from its developer guide and API reference."""

from __future__ import annotations

# The identity pool service: the federated principal its roles trust, the prefix of the context
# keys its tokens carry, and the Logins key of its own (developer) OpenID tokens (developer
# guide, "Role trust and permissions" and "Developer-authenticated identities").
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
AUD = f"{COGNITO_IDENTITY}:aud"
AMR = f"{COGNITO_IDENTITY}:amr"
SUB = f"{COGNITO_IDENTITY}:sub"
# The amr value of every signed-in identity, and of guests; also the keys of an identity pool's
# default roles (AWS::Cognito::IdentityPoolRoleAttachment, Roles).
AUTHENTICATED = "authenticated"
UNAUTHENTICATED = "unauthenticated"


def developer_user_login(provider: str, pool_id: str, user_id: str) -> str:
    """The ``amr`` entry naming a developer identity's user, which API Gateway also reports as the
    last of ``cognitoAuthenticationProvider``: ``<provider>:<pool id>:<user id>``. Assumed: no
    AWS page or public capture found states it (docs/offline.md's ledger). Nothing decides on
    it: trust policies match the bare provider name, and the items function only echoes it
    (``GET /me``), so another form would change an answer's text, never an access decision."""
    return f"{provider}:{pool_id}:{user_id}"


# Claims Cognito issues itself; a pre token generation hook may neither set nor suppress them
# (developer guide, "Pre token generation Lambda trigger": claims you can't modify), plus the
# group claims, which only groupOverrideDetails may shape, and the prefixes Cognito reserves.
RESERVED_CLAIMS = frozenset(
    {
        "acr", "amr", "aud", "at_hash", "auth_time", "azp", "client_id", "cognito:groups",
        "cognito:preferred_role", "cognito:roles", "cognito:username", "device_key", "event_id",
        "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope", "sub",
        "token_use", "username", "version",
    }
)  # fmt: skip
RESERVED_PREFIXES = ("cognito:", "dev:")
# A token with this scope may call UpdateUserAttributes.
USER_ADMIN_SCOPE = "aws.cognito.signin.user.admin"

# Each social provider's login name, its key in Logins: Cognito Identity API reference, GetId
# (Logins: graph.facebook.com, accounts.google.com, www.amazon.com, api.twitter.com) and
# developer guide, "Setting up Sign in with Apple" (appleid.apple.com). That a token's amr holds
# this same name is inferred from the developer guide, "Role trust and permissions" (its
# example: graph.facebook.com); a wrong inference would only make a group role refuse that
# provider's users (the trust names the provider, it does not widen).
SOCIAL_LOGIN_NAMES = {
    "google": "accounts.google.com",
    "facebook": "graph.facebook.com",
    "amazon": "www.amazon.com",
    "apple": "appleid.apple.com",
    "twitter": "api.twitter.com",
}
# Claims only the provider can set, which rules mappings may use (developer guide, "Role-based
# access control": Login with Amazon and Facebook offer iss, aud, sub; Google and Apple their
# OpenID Connect ID token claims). Twitter offers none to rules. OIDC and SAML providers name
# theirs in the config (trustedClaims).
PROVIDER_CLAIMS: dict[str, frozenset[str]] = {
    "google": frozenset({"iss", "aud", "sub", "hd", "email_verified"}),
    "facebook": frozenset({"iss", "aud", "sub"}),
    "amazon": frozenset({"iss", "aud", "sub"}),
    "apple": frozenset({"iss", "aud", "sub", "email_verified"}),
    "twitter": frozenset(),
}

# A user pool's standard attributes (developer guide, "Working with user attributes").
STANDARD_ATTRIBUTES = frozenset(
    {
        "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name",
        "locale", "middle_name", "name", "nickname", "phone_number", "phone_number_verified",
        "picture", "preferred_username", "profile", "sub", "updated_at", "website", "zoneinfo",
    }
)  # fmt: skip
