"""The one intrinsic resolver: CloudFormation's functions evaluated, the rest left to a renderer."""

from __future__ import annotations

from typing import Any

from facts.cloudformation import references, resolve


class Tagged:
    """Renders what only a deployment knows as visible markers."""

    def ref(self, name: str) -> str:
        return f"ref:{name}"

    def attribute(self, logical_id: str, attribute: str) -> str:
        return f"att:{logical_id}.{attribute}"

    def unknown(self, function: str, argument: Any) -> str:
        return f"unknown:{function}"


def test_functions_are_evaluated_and_deploy_time_values_rendered() -> None:
    split = {"Fn::Split": [",", {"Fn::Join": [",", ["a", {"Ref": "Pool"}]]}]}
    assert resolve({"Fn::Select": [1, split]}, Tagged()) == "ref:Pool"
    assert resolve({"Fn::GetAtt": "Role.Arn"}, Tagged()) == "att:Role.Arn"
    sub = {"Fn::Sub": ["${Role.Arn}/${X}/${AWS::Region}/${!Literal}", {"X": {"Ref": "Y"}}]}
    assert resolve(sub, Tagged()) == "att:Role.Arn/ref:Y/ref:AWS::Region/${Literal}"
    assert resolve({"Key": [{"Fn::If": ["C", 1, 2]}]}, Tagged()) == {"Key": ["unknown:Fn::If"]}


def test_a_malformed_function_goes_to_the_renderer() -> None:
    assert resolve({"Fn::Join": "not a pair"}, Tagged()) == "unknown:Fn::Join"
    assert resolve({"Fn::Select": [5, ["only one"]]}, Tagged()) == "unknown:Fn::Select"


def test_references_name_everything_referred_to_but_sub_literals() -> None:
    value = {
        "A": {"Ref": "Pool"},
        "B": {"Fn::GetAtt": ["Role", "Arn"]},
        "C": {"Fn::Sub": ["${Bucket.Arn}/${!Literal}/${X}", {"X": {"Ref": "AWS::Region"}}]},
    }
    assert references(value) == {"Pool", "Role", "Bucket", "X", "AWS::Region"}
