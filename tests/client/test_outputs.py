"""Reading the stack outputs file: the format `cdk deploy --outputs-file` writes, and errors
that name the file, the stack or the output and say how to fix it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client import outputs
from client.errors import ClientProblem
from tests.client.conftest import outputs_document


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "stack-outputs.json"
    path.write_text(json.dumps(document))
    return path


def test_every_output_becomes_a_typed_field(tmp_path) -> None:
    loaded = outputs.load(write(tmp_path, outputs_document(GuestAccess="true")))
    assert loaded.stack_name == "idpools-test"
    assert loaded.region == "eu-west-1"
    assert loaded.user_pool_provider_name == "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
    assert loaded.guest_access is True
    assert loaded.login_url == "https://api.example.test/prod/login"
    assert loaded.items_api_url == "https://items.example.test/v1/"
    assert loaded.items_table_name == "idpools-test-items"
    assert loaded.principal_tags == {"tenant": "tenant"}
    assert loaded.groups[0] == outputs.Group(
        "admins", 10, "arn:aws:iam::123456789012:role/admins", "admin"
    )
    assert [g.precedence for g in loaded.groups] == [10, 20, 30]


def test_the_path_comes_from_the_environment_then_the_working_directory(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(outputs.PATH_VARIABLE, raising=False)
    write(tmp_path, outputs_document())
    assert outputs.load().stack_name == "idpools-test"
    other = tmp_path / "elsewhere.json"
    other.write_text(json.dumps({"idpools-offline": outputs_document()["idpools-test"]}))
    monkeypatch.setenv(outputs.PATH_VARIABLE, str(other))
    assert outputs.load().stack_name == "idpools-offline"


def test_stack_picks_one_of_several_and_is_required_then(tmp_path) -> None:
    document = {**outputs_document(), "idpools-prod": outputs_document()["idpools-test"]}
    path = write(tmp_path, document)
    assert outputs.load(path, stack="idpools-prod").stack_name == "idpools-prod"
    with pytest.raises(ClientProblem, match="holds stacks idpools-prod, idpools-test: choose one"):
        outputs.load(path)
    with pytest.raises(ClientProblem, match=r"has no stack 'idpools-dev'.*fix --stack"):
        outputs.load(path, stack="idpools-dev")


def test_the_deploy_role_stacks_outputs_beside_the_apps_are_passed_over(tmp_path) -> None:
    deploy_role = {"DeployRoleArn": "arn:aws:iam::123456789012:role/idpools-deploy-role-Role"}
    path = write(tmp_path, {**outputs_document(), "idpools-deploy-role": deploy_role})
    assert outputs.load(path).stack_name == "idpools-test"


def test_a_missing_file_names_the_file_and_the_fix(tmp_path) -> None:
    with pytest.raises(ClientProblem, match=r"nowhere\.json not found: deploy with `cdk deploy"):
        outputs.load(tmp_path / "nowhere.json")


def test_a_missing_output_is_named(tmp_path) -> None:
    document = outputs_document()
    del document["idpools-test"]["LoginUrl"], document["idpools-test"]["Groups"]
    with pytest.raises(ClientProblem, match="lacks the output\\(s\\) LoginUrl, Groups: redeploy"):
        outputs.load(write(tmp_path, document))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "is not valid JSON"),
        ([1, 2], "expected"),
        ({"idpools-test": "flat"}, "expected"),
        (outputs_document(GuestAccess="yes"), "GuestAccess is 'yes'"),
        (outputs_document(PrincipalTags="{"), "PrincipalTags must be a JSON object.*not JSON"),
        (
            outputs_document(PrincipalTags='{"tenant": 1}'),
            'PrincipalTags must be.*found {"tenant": 1}',
        ),
        (outputs_document(Groups="[{"), "Groups must be a JSON list.*not JSON"),
        (outputs_document(Groups='[{"name": "x"}]'), 'Groups must be.*found {"name": "x"}'),
    ],
)
def test_malformed_files_are_refused_clearly(tmp_path, document, message) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with pytest.raises(ClientProblem, match=message):
        outputs.load(path)


def test_a_group_role_is_found_by_name_and_an_unknown_group_is_named(tmp_path) -> None:
    loaded = outputs.load(write(tmp_path, outputs_document()))

    assert loaded.group_role_arn("admins") == "arn:aws:iam::123456789012:role/admins"
    with pytest.raises(ClientProblem, match=r"no group 'owners'.*admins, editors, viewers"):
        loaded.group_role_arn("owners")
