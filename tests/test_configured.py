"""Invariant tests: they run on whatever cdk.json holds and expect what that config says.

Behaviour tests elsewhere read the demo config built in tests/support/configs.py; these read
the session's ``configured`` stack, so a forker's own config is checked against its own
switches. Only the security invariants that hold for every valid config are unconditional.
The invariants and the guest role's reach are computed over the plain JSON template
(tests/support/invariants.py, facts/iam.py); single facts are stated with aws_cdk.assertions.
"""

from __future__ import annotations

import json

from aws_cdk.assertions import Capture
from aws_cdk.assertions import Template as Assertions

from review import risks
from review.report import review_template
from review.template import Template as ReviewTemplate
from tests.infra.test_sample_bucket import can, can_list, role_of, role_policies
from tests.support.invariants import (
    execute_api_violations,
    lambda_permission_violations,
    trust_violations,
)
from tests.support.template import Synth, Template


def test_every_role_cognito_may_assume_pins_aud_and_names_who_may_assume_it(
    configured: Template,
) -> None:
    assert trust_violations(configured) == []


def test_a_service_invokes_a_function_only_from_one_exact_source(configured: Template) -> None:
    assert lambda_permission_violations(configured) == []


def test_no_role_invokes_another_api_or_any_stage(configured: Template) -> None:
    assert execute_api_violations(configured) == []


def test_the_guest_role_follows_guest_access(
    synth: Synth, configured: Template, configured_assertions: Assertions
) -> None:
    """Guests on: the guest role reads public/ and nothing else. Off: it grants nothing, and
    the identity pool refuses guests."""
    guests = synth.configured.config.guest_access
    configured_assertions.resource_count_is("AWS::Cognito::IdentityPool", 1)
    configured_assertions.has_resource_properties(
        "AWS::Cognito::IdentityPool", {"AllowUnauthenticatedIdentities": guests}
    )
    if not guests:
        assert role_policies(configured, role_of(configured, "guest")) == []
        return
    assert can(configured, "guest", "s3:GetObject", "public/logo.png")
    assert can_list(configured, "guest", "public/")
    assert not can(configured, "guest", "s3:PutObject", "public/logo.png")
    assert not can(configured, "guest", "s3:GetObject", "shared/report.pdf")


def test_the_review_warns_of_exactly_what_the_config_switches_on(synth: Synth) -> None:
    """Guest access and self sign-up are a forker's choice, and the review names them; no role
    but a pool's defaults may ever be open to any signed-in identity."""
    config = synth.configured.config
    review = review_template(ReviewTemplate.load(synth.configured.path), synth.outdir)
    kinds = sorted(r.kind for r in review.risks)
    expected = [risks.GUEST] * config.guest_access + [risks.SELF_SIGN_UP] * config.self_sign_up
    assert kinds == sorted(expected)


def test_the_groups_output_lists_the_configured_groups(
    synth: Synth, configured_assertions: Assertions
) -> None:
    """What the client, the demo users and the e2e suite learn the groups from."""
    parts = Capture()
    configured_assertions.has_output("Groups", {"Value": {"Fn::Join": ["", parts]}})
    text = "".join(part if isinstance(part, str) else "arn" for part in parts.as_array())
    listed = [(g["name"], g["precedence"], g["preset"]) for g in json.loads(text)]
    config = synth.configured.config
    assert listed == [(g.name, g.precedence, str(g.preset)) for g in config.groups]
