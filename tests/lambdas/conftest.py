"""Run-time settings the Lambda functions read at import, as their stacks set them."""

from __future__ import annotations

import json
import os

ACCOUNT = "111122223333"
ROLE_PREFIX = f"arn:aws:iam::{ACCOUNT}:role/"
STACK = "idpools-sandbox"

# The shipped demo table (cdk.json), with scopes as a forker would add them under V2_0.
HOOK_SETTINGS = {
    "roleArnPrefix": ROLE_PREFIX,
    "groups": [
        {"name": "admins", "precedence": 10, "roleName": f"{STACK}-admins", "scopes": ["storage/admin"]},
        {"name": "editors", "precedence": 20, "roleName": f"{STACK}-editors", "scopes": ["storage/write"]},
        {"name": "viewers", "precedence": 30, "roleName": f"{STACK}-viewers", "scopes": ["storage/read"]},
    ],
    "idpGroupMap": {"Admins": "admins", "Editors": "editors", "Viewers": "viewers"},
    "claims": [
        {"claim": "tenant", "source": "custom:tenant", "transforms": ["strip", "lower"]},
        {"claim": "email", "source": "email", "transforms": ["strip", "lower"]},
    ],
    "suppressClaims": ["custom:idp_groups"],
}  # fmt: skip

os.environ["HOOK_CONFIG"] = json.dumps(HOOK_SETTINGS)
os.environ["POWERTOOLS_SERVICE_NAME"] = "pre-token-generation"
os.environ["POWERTOOLS_METRICS_NAMESPACE"] = "idpools"
