"""Run-time settings the Lambda functions read at import, as their stacks set them."""

from __future__ import annotations

import json
import os

from infra.config import Preset
from tests.lambdas.settings import (
    DEVELOPER_PROVIDER,
    HOOK_SETTINGS,
    IDENTITY_POOL_ID,
    ITEMS_TABLE,
    TAG_TRANSFORMS,
    TRIGGER_SETTINGS,
    preset_roles,
)

os.environ["HOOK_CONFIG"] = json.dumps(HOOK_SETTINGS)
os.environ["POWERTOOLS_METRICS_NAMESPACE"] = "idpools"
os.environ["TRIGGER_CONFIG"] = json.dumps(TRIGGER_SETTINGS)

# lambdas/developer_auth, as infra/developer_auth.py configures it (moto stands in for AWS).
os.environ["USER_TABLE"] = "idpools-test-users"
os.environ["IDENTITY_POOL_ID"] = IDENTITY_POOL_ID
os.environ["DEVELOPER_PROVIDER"] = DEVELOPER_PROVIDER
os.environ["TOKEN_SECONDS"] = "900"
os.environ["MAX_FAILED_ATTEMPTS"] = "3"
os.environ["LOCKOUT_SECONDS"] = "900"
os.environ["UNKNOWN_NAMES_PER_WINDOW"] = "10000"
os.environ["CORS_ORIGINS"] = ""
# As infra/developer_auth.py derives it from the shipped cdk.json (tests/infra checks that).
os.environ["TAG_TRANSFORMS"] = json.dumps(TAG_TRANSFORMS)
# lambdas/items, as the items API construct configures it.
os.environ["ITEMS_TABLE"] = ITEMS_TABLE
os.environ["DELETE_ANY_ROLES"] = ",".join(preset_roles(Preset.ADMIN))
os.environ["AWS_DEFAULT_REGION"] = "eu-west-1"
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
