"""The configs the test session synthesizes, besides the forker's own cdk.json.

Behaviour tests read the demo config, built here in code, so that a forker's cdk.json cannot
break them; invariant tests read cdk.json's config and expect what it says. The forked config
is what a forker's first changes look like, all at once: the scenario table runs on it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from infra.config import (
    CONTEXT_KEY,
    AppConfig,
    EventVersion,
    FeaturePlan,
    ItemsApiConfig,
    MfaMode,
    MonitoringConfig,
    Stage,
    cdk_json_context,
    config_file,
    parse_config,
)

ALARM_TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:idpools-alarms"

# The shipped cdk.json's config, written out: the code's defaults plus the tenant claim and tag
# that the tenant folders need.
_DEMO: dict[str, Any] = {
    "appName": "idpools",
    "stage": "sandbox",
    "disposableStages": ["sandbox", "dev-*"],
    "featurePlan": "ESSENTIALS",
    "mfa": "OPTIONAL",
    "selfSignUp": False,
    "guestAccess": False,
    "groups": [
        {
            "name": "admins",
            "precedence": 10,
            "preset": "admin",
            "description": "Full access to the sample bucket",
        },
        {
            "name": "editors",
            "precedence": 20,
            "preset": "editor",
            "description": "Read and write the shared folder",
        },
        {
            "name": "viewers",
            "precedence": 30,
            "preset": "viewer",
            "description": "Read the shared folder",
        },
    ],
    "tokenHook": {
        "eventVersion": "V2_0",
        "claims": [
            {"claim": "tenant", "source": "custom:tenant", "transforms": ["strip", "lower"]},
            {"claim": "email", "source": "email", "transforms": ["strip", "lower"]},
        ],
        "suppressClaims": ["custom:idp_groups"],
    },
    "principalTags": {"tenant": "tenant"},
    "storage": {"sharedPrefix": "shared/", "publicPrefix": "public/"},
    "developerAuth": {
        "providerName": "login.example.replace-me",
        "tokenMinutes": 15,
        "maxFailedAttempts": 5,
        "lockoutMinutes": 15,
        "rateLimit": 10,
        "burstLimit": 20,
        "waf": False,
    },
    "corsOrigins": None,
    "itemsApi": {"rateLimit": 50, "burstLimit": 100, "memorySize": 256},
    "monitoring": {"alarmTopicArn": None},
}

# Renamed groups and a fourth one, another app name, a stage of its own that nobody declared
# disposable (so it is protected), Lite with a V1_0 hook, MFA required, guests and self sign-up
# on (the stack gets resources of the forker's own too: tests/conftest.py).
_FORKED: dict[str, Any] = {
    **_DEMO,
    "appName": "acme",
    "stage": "production",
    "featurePlan": "LITE",
    "mfa": "REQUIRED",
    "guestAccess": True,
    "selfSignUp": True,
    "groups": [
        {"name": "owners", "precedence": 5, "preset": "admin"},
        {"name": "writers", "precedence": 15, "preset": "editor"},
        {"name": "readers", "precedence": 25, "preset": "viewer"},
        {"name": "auditors", "precedence": 35, "preset": "viewer"},
    ],
    "tokenHook": {**_DEMO["tokenHook"], "eventVersion": "V1_0"},
    "developerAuth": {"providerName": "login.acme.test"},
}


# The variant's browser origins: two, so that the APIs must choose the caller's.
VARIANT_ORIGINS = ("https://app.example.com", "https://admin.example.com")


def demo_raw() -> dict[str, Any]:
    """The demo config as cdk.json's ``config`` would hold it (a copy: tests may change it)."""
    return copy.deepcopy(_DEMO)


def demo() -> AppConfig:
    return parse_config(demo_raw())


def variant() -> AppConfig:
    """The demo with every switch flipped away from its default: prod stage, guest access, self
    sign-up, required MFA, Plus plan, a V1_0 token hook, WAF, two CORS origins, no user
    pool principal tags, the items API's own throttling and memory, an alarm topic."""
    base = demo()
    return dataclasses.replace(
        base,
        stage=Stage.PROD,
        guest_access=True,
        self_sign_up=True,
        mfa=MfaMode.REQUIRED,
        feature_plan=FeaturePlan.PLUS,
        token_hook=dataclasses.replace(base.token_hook, event_version=EventVersion.V1_0),
        principal_tags=(),
        developer_auth=dataclasses.replace(base.developer_auth, waf=True),
        cors_origins=VARIANT_ORIGINS,
        items_api=ItemsApiConfig(rate_limit=5, burst_limit=10, memory_size=512),
        monitoring=MonitoringConfig(alarm_topic_arn=ALARM_TOPIC_ARN),
    )


def forked() -> AppConfig:
    return parse_config(copy.deepcopy(_FORKED))


# `make test CONFIG=path` sets it: the invariant tests and the e2e suite then run on that config
# file instead of cdk.json's (a team that keeps one config file per stage tests each).
CONFIG_FILE_VARIABLE = "IDPOOLS_TEST_CONFIG"


def configured_raw(environ: Mapping[str, str]) -> Any:
    """The config the invariant tests read: the file ``CONFIG_FILE_VARIABLE`` names, else
    cdk.json's, as `make synth` reads them (``make synth CONFIG=path`` takes the same file)."""
    path = environ.get(CONFIG_FILE_VARIABLE)
    if not path:
        return cdk_json_context()[CONTEXT_KEY]
    return config_file(path, "CONFIG")
