"""``python -m client config`` writes amplify_outputs.json, and Amplify JS itself (the pinned
aws-amplify, under Node) reads back the user pool, identity pool, guest flag, groups and bucket."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from client import amplify, outputs
from client.__main__ import main
from tests.client.conftest import outputs_document

SCRIPT = Path(__file__).with_name("amplify_config.mjs")


def test_the_mapping_follows_amplifys_outputs_schema() -> None:
    stack = outputs.parse(outputs_document(GuestAccess="true"))
    document = amplify.amplify_outputs(stack)
    assert document["version"].startswith("1")
    assert document["auth"]["unauthenticated_identities_enabled"] is True
    assert document["auth"]["groups"] == [
        {"admins": {"precedence": 10}},
        {"editors": {"precedence": 20}},
        {"viewers": {"precedence": 30}},
    ]
    assert document["storage"] == {"aws_region": "eu-west-1", "bucket_name": "idpools-test-bucket"}
    # What Amplify has no field for, for the web sample: the APIs and the roles' labels.
    custom = document["custom"]
    assert (custom["login_url"], custom["items_api_url"]) == (stack.login_url, stack.items_api_url)
    assert custom["role_labels"] == {
        stack.authenticated_role_arn: "default",
        **{group.role_arn: group.name for group in stack.groups},
    }
    assert "aws_endpoint_url" not in custom  # the offline endpoint is the web server's to add


def test_amplify_js_reads_back_auth_and_storage(tmp_path, capsys) -> None:
    source = tmp_path / "stack-outputs.json"
    source.write_text(json.dumps(outputs_document(GuestAccess="true")))
    target = tmp_path / "amplify_outputs.json"
    assert main(["config", "--outputs", str(source), "--out", str(target)]) == 0
    assert capsys.readouterr().out == f"wrote {target} for stack idpools-test\n"
    node = shutil.which("node")
    assert node, "Node.js is needed (make test sets it up)"
    run = subprocess.run([node, str(SCRIPT), str(target)], capture_output=True, text=True,
                         check=True, timeout=60)  # fmt: skip
    config = json.loads(run.stdout)
    stack = outputs_document()["idpools-test"]
    assert config["Auth"]["Cognito"] == {
        "userPoolId": stack["UserPoolId"],
        "userPoolClientId": stack["UserPoolClientId"],
        "identityPoolId": stack["IdentityPoolId"],
        "allowGuestAccess": True,
        "groups": [
            {"admins": {"precedence": 10}},
            {"editors": {"precedence": 20}},
            {"viewers": {"precedence": 30}},
        ],
    }
    assert config["Storage"]["S3"] == {"bucket": stack["BucketName"], "region": "eu-west-1"}
