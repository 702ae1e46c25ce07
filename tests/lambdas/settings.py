"""The functions' run-time settings for tests and benchmarks (no side effects on import)."""

from __future__ import annotations

from infra.config import Preset, tag_transforms
from tests.support import configs

ACCOUNT = "111122223333"
ROLE_PREFIX = f"arn:aws:iam::{ACCOUNT}:role/"
# The demo config (tests/support/configs.py), as infra/pre_token_hook.py hands it to the hook.
DEMO = configs.demo()
STACK = DEMO.stack_name
# One access token scope per group, as a forker would add them under V2_0.
SCOPE_BY_PRESET = {"admin": "storage/admin", "editor": "storage/write", "viewer": "storage/read"}
HOOK_SETTINGS = {
    "roleArnPrefix": ROLE_PREFIX,
    "groups": [
        {
            "name": group.name,
            "precedence": group.precedence,
            "roleName": DEMO.group_role_name(group.name),
            "scopes": [SCOPE_BY_PRESET[group.preset]],
        }
        for group in DEMO.groups
    ],
    "defaultRoleName": DEMO.default_role_name,
    "claims": [
        {"claim": c.claim, "source": c.source, "transforms": [str(t) for t in c.transforms]}
        for c in DEMO.token_hook.claims
    ],
    "suppressClaims": list(DEMO.token_hook.suppress_claims),
    "taggedClaims": sorted({claim for _, claim in DEMO.principal_tags}),
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

# The developer sign-in's tag rules for the demo config: tag tenant <- claim tenant.
TAG_TRANSFORMS = tag_transforms(DEMO)

# lambdas/items: the identity pool its callers come from (developer sign-in's too), and the roles
# of the admin-preset groups, which may delete any item of their tenant.
IDENTITY_POOL_ID = "eu-west-1:00000000-0000-4000-8000-000000000000"
ITEMS_TABLE = f"{STACK}-items"


def preset_roles(preset: Preset) -> tuple[str, ...]:
    """The role names of the demo config's groups with this preset."""
    return tuple(DEMO.group_role_name(g.name) for g in DEMO.groups if g.preset == preset)
