"""The per-event baseline: a minimal hand-written pre token handler, plain dicts, no Powertools.

It produces the same response as lambdas/pre_token_generation for the benchmark's event (a
V2 event of a federated user in one pool group whose IdP groups add another):
bench/pre_token_hook.py checks that before timing either.
"""

from __future__ import annotations

import json
from typing import Any

PRECEDENCE = {"admins": 10, "editors": 20, "viewers": 30}
SCOPES = {"admins": ["storage/admin"], "editors": ["storage/write"], "viewers": ["storage/read"]}


def handler(event: dict[str, Any], role_prefix: str) -> dict[str, Any]:
    attributes = event["request"]["userAttributes"]
    groups = list(event["request"]["groupConfiguration"]["groupsToOverride"])
    for name in json.loads(attributes.get("custom:idp_groups", "[]")):
        if name in PRECEDENCE and name not in groups:
            groups.append(name)
    groups.sort(key=PRECEDENCE.__getitem__)
    roles = [role_prefix + group for group in groups]
    claims = {
        "tenant": attributes["custom:tenant"].strip().lower(),
        "email": attributes["email"].strip().lower(),
    }
    token = {"claimsToAddOrOverride": claims, "claimsToSuppress": ["custom:idp_groups"]}
    event["response"] = {
        "claimsAndScopeOverrideDetails": {
            "idTokenGeneration": token,
            "accessTokenGeneration": {
                **token,
                "scopesToAdd": [scope for group in groups for scope in SCOPES[group]],
            },
            "groupOverrideDetails": {
                "groupsToOverride": groups,
                "iamRolesToOverride": roles,
                "preferredRole": roles[0],
            },
        }
    }
    return event


def powertools_floor(role_prefix: str) -> Any:
    """The baseline wrapped in what the hook spends on Powertools (logger context, correlation
    id, metrics with a dimension, EMF flush): the part of the ratio that is not our logic."""
    import hashlib
    import logging

    from aws_lambda_powertools import Logger, Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    logger, metrics = Logger(service="floor"), Metrics(namespace="floor", service="floor")

    @metrics.log_metrics
    @logger.inject_lambda_context
    def wrapped(event: dict[str, Any], context: Any) -> dict[str, Any]:
        logger.set_correlation_id(
            hashlib.blake2b(event["userName"].encode(), digest_size=8).hexdigest()
        )
        handler(event, role_prefix)
        metrics.add_dimension("triggerSource", event["triggerSource"])
        metrics.add_metric("TokensIssued", MetricUnit.Count, 1)
        metrics.add_metric("IdpGroupsMapped", MetricUnit.Count, 1)
        if logger.log_level <= logging.DEBUG:
            logger.debug("floor")
        return event

    return wrapped
