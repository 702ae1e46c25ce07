"""Intrinsic functions resolve against what the offline deployment recorded."""

from __future__ import annotations

import pytest

from offline.template import Resolver, TemplateError


@pytest.fixture
def resolver() -> Resolver:
    resolver = Resolver(region="us-east-1", account="123456789012", stack_name="stack")
    resolver.refs["Pool"] = "us-east-1_abc"
    resolver.attributes["Role", "Arn"] = "arn:aws:iam::123456789012:role/r"
    return resolver


def test_join_sub_and_get_att(resolver: Resolver) -> None:
    value = {
        "Fn::Join": [":", [{"Fn::Sub": "cognito-idp.${AWS::Region}.amazonaws.com/${Pool}"}, "x"]]
    }

    assert resolver.resolve(value) == "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:x"
    assert resolver.resolve({"Fn::Sub": "${Role.Arn}"}) == "arn:aws:iam::123456789012:role/r"


def test_a_reference_to_something_not_deployed_fails_by_name(resolver: Resolver) -> None:
    with pytest.raises(TemplateError, match="Ref Missing"):
        resolver.resolve({"Ref": "Missing"})
