"""The functions' run-time settings for tests and benchmarks (no side effects on import)."""

from __future__ import annotations

ACCOUNT = "111122223333"
ROLE_PREFIX = f"arn:aws:iam::{ACCOUNT}:role/"
STACK = "idpools-sandbox"

# The shipped demo table (cdk.json), with scopes as a forker would add them under V2_0.
HOOK_SETTINGS = {
    "roleArnPrefix": ROLE_PREFIX,
    "groups": [
        {"name": name, "precedence": precedence, "roleName": f"{STACK}-{name}", "scopes": [scope]}
        for name, precedence, scope in (
            ("admins", 10, "storage/admin"),
            ("editors", 20, "storage/write"),
            ("viewers", 30, "storage/read"),
        )
    ],
    "defaultRoleName": f"{STACK}-authenticated",
    "claims": [
        {"claim": "tenant", "source": "custom:tenant", "transforms": ["strip", "lower"]},
        {"claim": "email", "source": "email", "transforms": ["strip", "lower"]},
    ],
    "suppressClaims": ["custom:idp_groups"],
    "taggedClaims": ["tenant"],
}

DEVELOPER_PROVIDER = "login.example.test"

# lambdas/inbound_federation: two IdPs, each with its own table (docs/examples/all-providers.json).
SAML_GROUPS = "http://schemas.xmlsoap.org/claims/Group"
SAML_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
TRIGGER_SETTINGS = {
    "providers": {
        "CorpSaml": {
            "type": "SAML",
            "groupsAttribute": SAML_GROUPS,
            "emailAttribute": SAML_EMAIL,
            "groupMap": {"Domain Admins": "admins", "Admins": "admins", "App Editors": "editors"},
        },
        "PartnerOidc": {
            "type": "OIDC",
            "groupsAttribute": "groups",
            "emailAttribute": "email",
            "groupMap": {"staff": "viewers"},
        },
    }
}

# The developer sign-in's tag rules for the shipped config: tag tenant <- claim tenant.
TAG_TRANSFORMS = {"tenant": ["strip", "lower"]}
