"""The gate names every loss of users or their data, in words, before a deploy makes it.

Each test mutates the session's synthesized template (no synth of its own) the way a change
would, and reads the losses as ``make review BASE=...`` does. Which properties replace comes
from the CDK CLI's resource specification (read once per worker), never from the tests.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from review import losses
from review.__main__ import main
from review.losses import (
    APP_CLIENT,
    GROUP,
    IDENTITY_POOL,
    TABLE,
    USER_POOL,
    Loss,
    StageLosses,
    SynthesizedStack,
)
from review.specification import Specification, load
from review.template import Template
from tests.review.conftest import protected_by_config
from tests.support.template import Synth, Synthesized

Body = dict[str, Any]


@pytest.fixture(scope="module")
def spec() -> Specification:
    return load()


def one(body: Body, resource_type: str) -> str:
    [logical_id] = of_type(body, resource_type)
    return logical_id


def of_type(body: Body, resource_type: str) -> list[str]:
    return [k for k, r in body["Resources"].items() if r["Type"] == resource_type]


def renamed(body: Body, logical_id: str, construct: str) -> tuple[Body, str]:
    """``body`` with a construct renamed, and its new logical id: every Ref, GetAtt, Sub and
    DependsOn follows it, as a new construct id gives. (The session's synth has no construct
    path metadata, so the messages name logical ids.)"""
    new_id = f"{construct}{logical_id[-8:]}"
    text = json.dumps(body).replace(f'"{logical_id}"', f'"{new_id}"')
    text = text.replace("${" + logical_id, "${" + new_id)
    return json.loads(text), new_id


def stack(body: Body, name: str, protection: bool | None = None) -> SynthesizedStack:
    return SynthesizedStack(Template.from_json(name, copy.deepcopy(body)), protection)


def found(
    old: Body,
    new: Body,
    spec: Specification,
    name: str,
    old_protected: bool | None = None,
    new_protected: bool | None = None,
) -> list[Loss]:
    return losses.stack_losses(
        stack(old, name, old_protected), stack(new, name, new_protected), spec
    )


@pytest.fixture(scope="module")
def demo(synth: Synth) -> Synthesized:
    return synth.demo


@pytest.fixture(scope="module")
def prod(synth: Synth) -> Synthesized:
    """A protected stage's template (the variant deploys as prod)."""
    assert protected_by_config(synth.variant.config)
    return synth.variant


def messages(found: list[Loss]) -> str:
    return "\n".join(loss.message for loss in found)


def test_renaming_the_user_pool_construct_names_the_pool_and_every_user_lost(
    demo: Synthesized, spec: Specification
) -> None:
    body = demo.template
    pool_id = one(body, USER_POOL)
    new, new_id = renamed(body, pool_id, "Accounts")
    result = found(body, new, spec, demo.config.stack_name)
    pool = next(loss for loss in result if loss.subject.startswith("the user pool"))
    assert pool.kind == "replaced"
    assert pool.message.startswith(
        f"the user pool {pool_id} would be replaced by the user pool {new_id}"
    )
    assert "every user is lost" in pool.message
    # Its groups and app client name the pool (UserPoolId, a replacing property) and go with it.
    for group in demo.config.groups:
        assert f"group {group.name} would be replaced (UserPoolId changes" in messages(result)
    assert any(loss.subject.startswith("the app client") for loss in result)


def test_renaming_the_identity_pool_construct_says_every_identity_id_is_new(
    demo: Synthesized, spec: Specification
) -> None:
    body = demo.template
    pool_id = one(body, IDENTITY_POOL)
    new, new_id = renamed(body, pool_id, "Ids")
    [loss] = found(body, new, spec, demo.config.stack_name)
    assert loss.message.startswith(
        f"the identity pool {pool_id} would be replaced by the identity pool {new_id}"
    )
    assert "every identity id is issued anew" in loss.message


def test_renaming_a_group_says_its_members_lose_it(prod: Synthesized, spec: Specification) -> None:
    body = prod.template
    group = prod.config.groups[-1].name
    new = copy.deepcopy(body)
    [logical_id] = [
        k for k in of_type(body, GROUP) if body["Resources"][k]["Properties"]["GroupName"] == group
    ]
    new["Resources"][logical_id]["Properties"]["GroupName"] = f"{group}-renamed"
    [loss] = found(body, new, spec, prod.config.stack_name)
    kept = body["Resources"][logical_id].get("UpdateReplacePolicy") == "Retain"
    assert loss.message == (
        f"group {group} would be replaced (GroupName changes: {group} -> {group}-renamed): "
        + (
            "the old one is kept in the account (Retain), but the stack and its apps move to a "
            "new, empty one: "
            if kept
            else ""
        )
        + "its members lose it"
    )


@pytest.mark.parametrize(
    ("resource_type", "change", "words"),
    [
        (APP_CLIENT, {"GenerateSecret": True}, "every app configured with the old one"),
        (TABLE, {"TableName": "renamed"}, "every item in it is lost"),
        (
            TABLE,
            {"KeySchema": [{"AttributeName": "other", "KeyType": "HASH"}]},
            "every item in it is lost",
        ),
    ],
    ids=["GenerateSecret", "TableName", "KeySchema"],
)
def test_a_property_the_specification_marks_replacing_is_a_loss(
    demo: Synthesized, spec: Specification, resource_type: str, change: Body, words: str
) -> None:
    body = demo.template
    logical_id = of_type(body, resource_type)[0]
    new = copy.deepcopy(body)
    new["Resources"][logical_id]["Properties"].update(change)
    [loss] = found(body, new, spec, demo.config.stack_name)
    [name] = change
    assert loss.kind == "replaced"
    assert f"would be replaced ({name} changes:" in loss.message
    assert words in loss.message


def test_the_specification_decides_not_a_list_in_the_gate(spec: Specification) -> None:
    """Types and properties the gate never names are judged from the specification alone: a
    queue is stateful there, and its FifoQueue replaces it."""
    assert "FifoQueue" in spec.of("AWS::SQS::Queue").replacing
    old = {"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    new = {"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}}}}
    [loss] = found(old, new, spec, "stack")
    assert loss.message.startswith("AWS::SQS::Queue Jobs would be replaced (FifoQueue changes")
    assert "the data it holds is lost" in loss.message
    # A stateless type's replacement is no loss of data.
    assert spec.of("AWS::SNS::Topic").replacing and not spec.of("AWS::SNS::Topic").stateful
    topic = {"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "a"}}}}
    renamed_topic = copy.deepcopy(topic)
    renamed_topic["Resources"]["T"]["Properties"]["TopicName"] = "b"
    assert found(topic, renamed_topic, spec, "stack") == []


def test_may_replace_is_reported_as_may(spec: Specification) -> None:
    maybe = next(
        (t, p)
        for t, r in spec.resources.items()
        if r.stateful
        for p, impact in r.replacing.items()
        if impact == "maybe"
    )
    resource_type, name = maybe
    old = {"Resources": {"Data": {"Type": resource_type, "Properties": {name: "a"}}}}
    new = {"Resources": {"Data": {"Type": resource_type, "Properties": {name: "b"}}}}
    [loss] = found(old, new, spec, "stack")
    assert loss.kind == "may-replace"
    assert f"may be replaced ({name} changes: a -> b)" in loss.message


def test_a_removed_resource_with_no_successor_is_removed(
    demo: Synthesized, spec: Specification
) -> None:
    body = demo.template
    new = copy.deepcopy(body)
    group = demo.config.groups[0].name
    [logical_id] = [
        k for k in of_type(body, GROUP) if body["Resources"][k]["Properties"]["GroupName"] == group
    ]
    del new["Resources"][logical_id]
    [loss] = found(body, new, spec, demo.config.stack_name)
    assert loss.kind == "removed"
    assert loss.message == (
        f"group {group} would be removed (its logical id {logical_id} is gone from the "
        "template): its members lose it"
    )


def test_a_retained_resource_that_leaves_the_stack_is_still_named(
    prod: Synthesized, spec: Specification
) -> None:
    body = prod.template
    pool = one(body, USER_POOL)
    assert body["Resources"][pool]["DeletionPolicy"] == "Retain"
    new = copy.deepcopy(body)
    del new["Resources"][pool]
    result = found(body, new, spec, prod.config.stack_name)
    [loss] = [loss for loss in result if loss.subject.startswith("the user pool")]
    assert "it leaves the stack, kept in the account by DeletionPolicy Retain" in loss.message
    assert "`cdk import`" in loss.message
    # Renamed instead, the retained pool is kept but the app moves to a new, empty one.
    result = found(body, renamed(body, pool, "Accounts")[0], spec, prod.config.stack_name)
    [loss] = [loss for loss in result if loss.subject.startswith("the user pool")]
    assert "the old one is kept in the account (Retain)" in loss.message
    assert "every user is lost" in loss.message


def test_losing_a_protection_is_a_loss(prod: Synthesized, spec: Specification) -> None:
    body = prod.template
    pool, table = one(body, USER_POOL), of_type(body, TABLE)[0]
    assert body["Resources"][pool]["Properties"]["DeletionProtection"] == "ACTIVE"
    assert body["Resources"][table]["Properties"]["DeletionProtectionEnabled"] is True
    new = copy.deepcopy(body)
    new["Resources"][pool]["DeletionPolicy"] = "Delete"
    del new["Resources"][pool]["UpdateReplacePolicy"]
    new["Resources"][pool]["Properties"]["DeletionProtection"] = "INACTIVE"
    new["Resources"][table]["Properties"]["DeletionProtectionEnabled"] = False
    new["Resources"][table]["Properties"]["PointInTimeRecoverySpecification"] = {
        "PointInTimeRecoveryEnabled": False
    }
    result = found(body, new, spec, prod.config.stack_name, True, False)
    assert {loss.kind for loss in result} == {"unprotected"}
    text = messages(result)
    assert f"the user pool {pool} loses DeletionPolicy Retain (now Delete)" in text
    assert f"the user pool {pool} loses UpdateReplacePolicy Retain (now Delete)" in text
    assert f"the user pool {pool} loses deletion protection (DeletionProtection ACTIVE" in text
    assert "loses deletion protection (DeletionProtectionEnabled true -> false)" in text
    assert "loses point-in-time recovery" in text
    assert f"stack {prod.config.stack_name} loses termination protection" in text
    assert len(result) == 6


def test_a_harmless_change_loses_nothing(demo: Synthesized, spec: Specification) -> None:
    body = demo.template
    new = copy.deepcopy(body)
    group = of_type(body, GROUP)[0]
    new["Resources"][group]["Properties"]["Description"] = "another description"
    new["Resources"][one(body, USER_POOL)]["Properties"]["MfaConfiguration"] = "ON"
    new["Resources"]["AQueueOfMyOwn"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    assert found(body, new, spec, demo.config.stack_name) == []
    assert found(body, body, spec, demo.config.stack_name) == []


def test_a_stack_gone_from_the_app_leaves_its_users_behind(
    demo: Synthesized, spec: Specification
) -> None:
    name = demo.config.stack_name
    old = {name: stack(demo.template, name)}
    new = {"renamed-stack": stack(demo.template, "renamed-stack"), "x": stack({}, "x")}
    [loss] = losses.losses(old, new, spec)
    assert loss.kind == "stack-removed"
    assert f"stack {name} is no longer in the app" in loss.message
    assert f"the user pool {one(demo.template, USER_POOL)}" in loss.message


def test_the_assembly_carries_termination_protection(synth: Synth, tmp_path: Path) -> None:
    stacks = losses.assembly(synth.outdir)
    assert stacks[synth.demo.config.stack_name].termination_protection is not None
    name = "protected-stack"
    (tmp_path / f"{name}.template.json").write_text(json.dumps({"Resources": {}}))
    manifest = {
        "artifacts": {
            name: {
                "type": "aws:cloudformation:stack",
                "properties": {"terminationProtection": True},
            }
        }
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert losses.assembly(tmp_path)[name].termination_protection is True


def test_only_a_protected_stage_fails_and_the_text_says_which() -> None:
    loss = Loss("s", "group viewers", "replaced", "group viewers would be replaced: x")
    disposable = StageLosses("sandbox", False, [loss])
    protected = StageLosses("prod", True, [loss])
    assert not disposable.fails
    assert protected.fails
    text = losses.to_text([disposable, protected, StageLosses("qa", True)], "main", "head")
    assert "Stage sandbox (disposable: reported, never fails the gate):" in text
    assert "  loses   [s] group viewers would be replaced: x" in text
    assert "  LOSES   [s] group viewers would be replaced: x" in text
    assert "Stage qa (protected):\n  nothing holding users or their data" in text
    assert text.endswith("Result: LOSES users or their data in protected stage(s) prod\n")


def test_two_template_files_are_judged_as_a_protected_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m review diff OLD NEW`` knows no stage: a loss fails it like a protected one."""
    base = Path(__file__).with_name("fixtures") / "base.template.json"
    body = json.loads(base.read_text())
    body["Resources"]["Client"]["Properties"]["GenerateSecret"] = True
    changed = tmp_path / "changed.template.json"
    changed.write_text(json.dumps(body))
    assert main(["diff", str(base), str(changed), "--fail-on-widen"]) == 1
    output = capsys.readouterr().out
    assert "Result: no access widened" in output
    assert "LOSES   [base] the app client Client would be replaced (GenerateSecret" in output
    assert main(["diff", str(base), str(base), "--fail-on-widen"]) == 0


def test_what_names_a_replaced_resource_in_a_replacing_property_is_replaced_too(
    spec: Specification,
) -> None:
    """The group's ``UserPoolId`` text stays ``{"Ref": "Pool"}``, but the pool it resolves to is
    new (here its type changes), so the group is replaced as well."""
    group = {
        "Type": GROUP,
        "Properties": {"GroupName": "viewers", "UserPoolId": {"Ref": "Pool"}},
    }
    old = {"Resources": {"Pool": {"Type": USER_POOL}, "Viewers": group}}
    new = copy.deepcopy(old)
    new["Resources"]["Pool"]["Type"] = "Custom::UserPool"
    result = {loss.subject: loss.message for loss in found(old, new, spec, "stack")}
    assert result["the user pool Pool"].startswith(
        f"the user pool Pool would be replaced (its type changes: {USER_POOL} -> Custom::UserPool)"
    )
    assert result["group viewers"] == (
        "group viewers would be replaced (UserPoolId names the user pool Pool, which is "
        "replaced): its members lose it"
    )
