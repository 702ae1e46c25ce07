"""Limits AWS enforces only when CloudFormation creates the resource, checked at synth from the
config, so a config that cannot deploy stops with the key and the fix instead of a rollback an
hour later. Each limit cites its AWS source; tests/infra/test_limits.py holds every estimate to
what the synthesized templates measure.

What the config cannot grow is left out: the roles' inline policies (IAM: 10,240 characters
per role) hold the presets' fixed grants, and tests/infra/test_limits.py measures the largest
with every name at its longest. Cognito's 25 rules per identity provider's role mapping is
checked where the rules are parsed (``MAX_RULES``, ``infra/config/providers.py``).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from facts.cognito import AMR, AUD, COGNITO_IDENTITY, SOCIAL_LOGIN_NAMES
from infra.config.federation import trigger_settings
from infra.config.parsing import ConfigError
from infra.config.providers import OidcConfig, SamlConfig
from infra.config.token_hook import hook_settings

if TYPE_CHECKING:
    from infra.config.app_config import AppConfig

# Lambda developer guide, "Lambda quotas": "Function environment variables: 4 KB, for all
# environment variables associated with the function, in aggregate". Lambda measures them as
# one JSON object, escapes included (its refusal quotes the "String measured").
LAMBDA_ENVIRONMENT_BYTES = 4096
# Room kept for a function's variables that do not grow with the config (Powertools' service
# name and metrics namespace); tests/infra/test_limits.py holds every function's within it.
FIXED_VARIABLES_BYTES = 256
HOOK_VARIABLE = "HOOK_CONFIG"
TRIGGER_VARIABLE = "TRIGGER_CONFIG"
# IAM user guide, "IAM and AWS STS quotas": "Role trust policy length: 2,048 characters" (AWS
# can raise the quota to 4,096; this check keeps the default), and "IAM doesn't count white
# space when calculating the size of a policy against these quotas".
TRUST_POLICY_CHARACTERS = 2048

# What only a deployment knows, at its longest, so a size measured at synth is never below the
# deployed one.
LONGEST_PARTITION = "aws-us-gov"
ACCOUNT_ID = "123456789012"
LONGEST_REGION = "ap-southeast-5"  # no region name is longer
# Cognito API references: IdentityPoolId "<region>:<GUID>"; UserPoolId at most 55 characters.
IDENTITY_POOL_ID = f"{LONGEST_REGION}:00000000-0000-0000-0000-000000000000"
USER_POOL_PROVIDER = f"cognito-idp.{LONGEST_REGION}.amazonaws.com.cn/{'x' * 55}"
ROLE_ARN_PREFIX = f"arn:{LONGEST_PARTITION}:iam::{ACCOUNT_ID}:role/"


def compact_json(value: Any) -> str:
    """JSON as the CDK renders it into a template (``Stack.to_json_string``): no spaces."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def environment_bytes(variables: dict[str, str]) -> int:
    return len(compact_json(variables).encode())


def policy_characters(document: Any) -> int:
    return len(re.sub(r"\s", "", compact_json(document)))


def saml_login_name(config: AppConfig, saml: SamlConfig) -> str:
    """A SAML provider's ``amr`` entry: its ARN."""
    name = config.saml_provider_name(saml)
    return f"arn:{LONGEST_PARTITION}:iam::{ACCOUNT_ID}:saml-provider/{name}"


def login_names_reaching(config: AppConfig, group: str) -> list[str]:
    """The ``amr`` entries of the providers whose rules map to ``group``."""
    names = []
    for _, kind, provider, _ in config.providers.selections():
        if not any(rule.role == group for rule in provider.rules):
            continue
        if isinstance(provider, SamlConfig):
            names.append(saml_login_name(config, provider))
        elif isinstance(provider, OidcConfig):
            names.append(provider.provider_name)
        else:
            names.append(SOCIAL_LOGIN_NAMES[kind])
    return names


def group_trust_policy(config: AppConfig, group: str) -> dict[str, Any]:
    """The trust policy of ``group``'s role as ``infra/identity_pool_role.py`` writes it (with
    ``sts:TagSession``, which only some roles carry: never below the deployed size)."""
    amr = list(dict.fromkeys([USER_POOL_PROVIDER, *login_names_reaching(config, group)]))
    return {
        "Statement": [
            {
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {AUD: IDENTITY_POOL_ID},
                    "ForAnyValue:StringLike": {AMR: amr[0] if len(amr) == 1 else amr},
                },
                "Effect": "Allow",
                "Principal": {"Federated": COGNITO_IDENTITY},
            }
        ],
        "Version": "2012-10-17",
    }


def hook_variable(config: AppConfig) -> str:
    return compact_json(
        hook_settings(
            role_arn_prefix=ROLE_ARN_PREFIX,
            groups=config.groups,
            role_names={group.name: config.group_role_name(group.name) for group in config.groups},
            default_role_name=config.default_role_name,
            settings=config.token_hook,
            tagged_claims={claim for _, claim in config.principal_tags},
        )
    )


def check_limits(config: AppConfig) -> None:
    """Refuse a config whose stack CloudFormation could not create."""
    hook = environment_bytes({HOOK_VARIABLE: hook_variable(config)}) + FIXED_VARIABLES_BYTES
    if hook > LAMBDA_ENVIRONMENT_BYTES:
        raise ConfigError(
            "groups",
            f"{len(config.groups)} groups (their names, role names and scopes, with "
            f"tokenHook.claims) make the pre token hook's environment variables {hook} bytes; "
            f"Lambda allows {LAMBDA_ENVIRONMENT_BYTES} (4 KB) per function",
            "Use fewer groups, or shorter group names, scopes, claims, appName or stage",
        )
    if config.federation:
        trigger = compact_json(trigger_settings(config.federation))
        size = environment_bytes({TRIGGER_VARIABLE: trigger}) + FIXED_VARIABLES_BYTES
        if size > LAMBDA_ENVIRONMENT_BYTES:
            raise ConfigError(
                "federation",
                f"the IdPs' group maps make the inbound federation trigger's environment "
                f"variables {size} bytes; Lambda allows {LAMBDA_ENVIRONMENT_BYTES} (4 KB) per "
                "function",
                "Map fewer IdP groups (groupMap), or shorter IdP group names",
            )
    for index, group in enumerate(config.groups):
        size = policy_characters(group_trust_policy(config, group.name))
        if size > TRUST_POLICY_CHARACTERS:
            raise ConfigError(
                f"groups[{index}].name",
                f"the providers whose rules map to {group.name!r} make its role's trust policy "
                f"{size} characters; IAM allows {TRUST_POLICY_CHARACTERS} (Role trust policy "
                "length)",
                "Map fewer external providers to this group (providers.*.rules), or shorter "
                "SAML provider names",
            )
