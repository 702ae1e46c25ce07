"""Why the inbound federation trigger exists: the same template without it (no
LambdaConfig.InboundFederation) keeps a group claim the IdP stopped sending, as Cognito's
attribute mapping does (developer guide, "Mapping IdP attributes to profiles and tokens")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from facts.stack import IDP_GROUPS_ATTRIBUTE as IDP_GROUPS
from offline.stack import OfflineStack
from offline.template import Template
from offline.tokens import UserLambdaValidationException
from tests.offline.federated import (
    SAML,
    providers_template,
    saml_assertion,
    user_attribute,
)
from tests.support.offline import serving
from tests.support.template import Synth


def without_trigger(template: Template) -> Template:
    body: dict[str, Any] = {**template.body, "Resources": dict(template.resources)}
    for logical_id, resource in template.resources.items():
        if resource["Type"] == "AWS::Cognito::UserPool":
            properties = dict(resource["Properties"])
            config = dict(properties["LambdaConfig"])
            config.pop("InboundFederation")
            body["Resources"][logical_id] = {
                **resource,
                "Properties": {**properties, "LambdaConfig": config},
            }
    return Template(template.path, body)


@pytest.fixture(scope="module")
def stack(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    template = without_trigger(providers_template(synth))
    with serving(template, tmp_path_factory.mktemp("no-trigger")) as stack:
        yield stack


def test_without_the_trigger_a_removed_group_stays_in_the_attribute(stack: OfflineStack) -> None:
    assert stack.federation.triggers == {}
    # The raw IdP value, not the trigger's list of pool groups: the hook refuses the token
    # (fail closed) rather than read it, and the attribute keeps it anyway.
    with pytest.raises(UserLambdaValidationException):
        stack.federation.sign_in(SAML, "stale", saml_assertion(["Domain Admins"]))
    assert user_attribute(stack, f"{SAML}_stale", IDP_GROUPS) == "[Domain+Admins]"

    with pytest.raises(UserLambdaValidationException):
        stack.federation.sign_in(SAML, "stale", saml_assertion(None))

    # Stale: the IdP no longer says Domain Admins, the user pool still does.
    assert user_attribute(stack, f"{SAML}_stale", IDP_GROUPS) == "[Domain+Admins]"
