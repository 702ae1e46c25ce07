"""``amplify_outputs.json`` (Amplify Gen 2's outputs schema) from the stack outputs.

An Amplify JS front end passes this file to ``Amplify.configure()`` and gets the same user pool,
identity pool, groups and bucket as the Python client. Field names follow Amplify JS's own
``AmplifyOutputs`` type (``@aws-amplify/core``); a test feeds the file to Amplify itself.
Amplify has no field for the stack's APIs: they go in the schema's free-form ``custom`` section,
which the web sample (``web/src/config.ts``) reads.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from client.outputs import StackOutputs

DEFAULT_PATH = "amplify_outputs.json"
# Amplify JS reads any "1.x" file as the Gen 2 format; "1" claims no later minor version's fields.
SCHEMA_VERSION = "1"
# The scenario table's name for the identity pool's default authenticated role.
DEFAULT_ROLE_LABEL = "default"


def amplify_outputs(outputs: StackOutputs) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "auth": {
            "aws_region": outputs.region,
            "user_pool_id": outputs.user_pool_id,
            "user_pool_client_id": outputs.user_pool_client_id,
            "identity_pool_id": outputs.identity_pool_id,
            # The app client allows SRP (and refresh) only.
            "authentication_flow_type": "USER_SRP_AUTH",
            "unauthenticated_identities_enabled": outputs.guest_access,
            # Amplify's shape: one single-key object per group, in precedence order.
            "groups": [
                {group.name: {"precedence": group.precedence}}
                for group in sorted(outputs.groups, key=lambda g: (g.precedence, g.name))
            ],
        },
        "storage": {"aws_region": outputs.region, "bucket_name": outputs.bucket_name},
        "custom": {
            "login_url": outputs.login_url,
            "items_api_url": outputs.items_api_url,
            "developer_provider_name": outputs.developer_provider_name,
            # Session tag -> the ID token claim it comes from.
            "principal_tags": dict(outputs.principal_tags),
            # What to call the role STS names: its group, or the default authenticated role.
            "role_labels": {
                outputs.authenticated_role_arn: DEFAULT_ROLE_LABEL,
                **{group.role_arn: group.name for group in outputs.groups},
            },
        },
    }


def write(outputs: StackOutputs, path: str | os.PathLike[str] = DEFAULT_PATH) -> Path:
    target = Path(path)
    target.write_text(json.dumps(amplify_outputs(outputs), indent=2) + "\n")
    return target
