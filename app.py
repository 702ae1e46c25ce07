#!/usr/bin/env python3
"""CDK entry point: read the config from cdk.json's context, build the stack, run cdk-nag."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import (
    CONTEXT_KEY,
    AppConfig,
    ConfigError,
    config_file,
    parse_config,
    require_twitter_secret,
)
from infra.deploy_role_stack import DeployRoleStack
from infra.stack import IdentityPoolsStack

# `cdk synth -c configFile=path` (`make synth CONFIG=path`): a whole config from a JSON file
# instead of cdk.json's `config`, for example docs/examples/*.json or a prod configuration.
CONFIG_FILE_KEY = "configFile"
# `cdk deploy -c stage=dev-alice` (`make deploy STAGE=dev-alice`): the same config, deployed as
# `<appName>-dev-alice` beside the other stages.
STAGE_KEY = "stage"


def build_app(
    context: Mapping[str, Any] | None = None,
    outdir: str | None = None,
    configs: Sequence[AppConfig] | None = None,
) -> App:
    """The app with cdk-nag attached: one stack per config, by default the context's config.

    Tests pass ``configs`` to synthesize several variants in one go.
    """
    app = App(context=dict(context) if context is not None else None, outdir=outdir)
    add_stacks(app, configs or [parse_config(context_config(app))])
    return app


def add_stacks(app: App, configs: Sequence[AppConfig]) -> None:
    # Never from a file: a context value given at synth, or the environment.
    twitter_secret = app.node.try_get_context("twitterConsumerSecret") or os.environ.get(
        "TWITTER_CONSUMER_SECRET"
    )
    # The last config check, on what only the synth provides; then no construct can meet one.
    for config in configs:
        require_twitter_secret(config.providers, twitter_secret)
    for config in configs:
        add_stack(app, config, twitter_secret)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def context_config(app: App) -> Any:
    """The raw config: from the file named by ``configFile`` if given, else cdk.json's; a
    ``stage`` given at synth (``make deploy STAGE=dev-alice``) replaces the config's."""
    raw = file_or_context_config(app)
    stage = app.node.try_get_context(STAGE_KEY)
    if stage is not None and isinstance(raw, dict):
        return {**raw, "stage": stage}
    return raw


def file_or_context_config(app: App) -> Any:
    path = app.node.try_get_context(CONFIG_FILE_KEY)
    if path is None:
        return app.node.try_get_context(CONTEXT_KEY)
    return config_file(path, CONFIG_FILE_KEY)


def add_stack(
    app: App, config: AppConfig, twitter_secret: str | None, construct_id: str | None = None
) -> IdentityPoolsStack:
    """The config's stack; ``construct_id`` (default: the stack name) names its artifact, so
    tests can synthesize two configs that share a stack name side by side."""
    # Only config pins the environment, never the CLI's CDK_DEFAULT_* (which falls back to
    # us-east-1 without credentials): the same config always gives the same template.
    env = Environment(account=config.stage_account, region=config.region)
    add_deploy_role(app, config, env)
    return IdentityPoolsStack(
        app,
        construct_id or config.stack_name,
        stack_name=config.stack_name,
        config=config,
        env=env,
        twitter_secret=twitter_secret,
    )


def add_deploy_role(app: App, config: AppConfig, env: Environment) -> DeployRoleStack | None:
    """The stage's own deploy role, when the pipeline deploys the stage, in a stack of its own:
    `make deploy` leaves it alone, `make deploy-role` (a person, with the account's administrator
    credentials) deploys it. In the stage's account, as the stage's stack is."""
    pipeline = config.pipeline
    stage = pipeline.stage(config.stage) if pipeline else None
    if pipeline is None or stage is None:
        return None
    return DeployRoleStack(
        app,
        config.deploy_role_stack_name,
        repository=pipeline.repository,
        environment=config.stage,
        workflow=pipeline.workflow,
        branch=pipeline.branch,
        existing_oidc_provider=stage.existing_oidc_provider,
        env=env,
    )


def main() -> None:
    app = App()
    try:
        add_stacks(app, [parse_config(context_config(app))])
    except ConfigError as error:
        sys.exit(f"Configuration error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
