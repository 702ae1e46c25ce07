"""One synthesis for the whole test session (docs/architecture.md: `make test` within 60 s),
shared by pytest-xdist's workers: the first to get the lock synthesizes, the others read it.

The app is synthesized once with three stacks: the shipped cdk.json config, and a variant that
flips every switch away from its default (prod stage, guest access, self sign-up, required MFA,
Plus plan, a V1_0 token hook, WAF and CORS on the login API, no user pool principal tags, an
alarm topic), plus docs/examples/all-providers.json (every external provider on). cdk-nag runs
on all three.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json

import pytest

from app import CDK_JSON, build_app, cdk_json_context
from infra.config import (
    CONTEXT_KEY,
    AppConfig,
    EventVersion,
    FeaturePlan,
    MfaMode,
    MonitoringConfig,
    Stage,
    parse_config,
)
from tests.support.template import Synth, Template

ALL_PROVIDERS = CDK_JSON.parent / "docs" / "examples" / "all-providers.json"
TWITTER_SECRET = "test-only-twitter-secret"
ALARM_TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:idpools-alarms"


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Synth:
    context = cdk_json_context()
    default = parse_config(context[CONTEXT_KEY])
    variant = dataclasses.replace(
        default,
        stage=Stage.PROD,
        guest_access=True,
        self_sign_up=True,
        mfa=MfaMode.REQUIRED,
        feature_plan=FeaturePlan.PLUS,
        token_hook=dataclasses.replace(default.token_hook, event_version=EventVersion.V1_0),
        principal_tags=(),
        developer_auth=dataclasses.replace(
            default.developer_auth, waf=True, cors_origins=("https://app.example.com",)
        ),
        monitoring=MonitoringConfig(alarm_topic_arn=ALARM_TOPIC_ARN),
    )
    providers = parse_config(json.loads(ALL_PROVIDERS.read_text()))
    # Under xdist the workers' temporary roots share a parent: the assembly goes there, once.
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    outdir = shared / "cdk.out.session"
    with (shared / "synth.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (outdir / "manifest.json").is_file():
            context = {**context, "twitterConsumerSecret": TWITTER_SECRET}
            build_app(context, str(outdir), [default, variant, providers]).synth()

    def load(config: AppConfig) -> Template:
        template: Template = json.loads((outdir / f"{config.stack_name}.template.json").read_text())
        return template

    return Synth(outdir, default, variant, load(default), load(variant), providers, load(providers))


@pytest.fixture(scope="session")
def template(synth: Synth) -> Template:
    """The template `make synth` produces from the shipped cdk.json."""
    return synth.default


@pytest.fixture(scope="session")
def variant(synth: Synth) -> Template:
    return synth.variant


@pytest.fixture(scope="session")
def all_providers(synth: Synth) -> Template:
    """The template of docs/examples/all-providers.json."""
    return synth.providers
