"""A function offline keeps its Lambda execution environment from the import through every
invocation: its environment variables and role credentials, its own default boto3 session, and
its output, stderr (warnings) included, in its log; the process around it keeps its own."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import boto3
from moto import mock_aws

from offline.deploy import FunctionSettings
from offline.functions import Function

REGION = "us-east-1"
# Creates its client on the first request, as the items function does with boto3.
CODE = """
import os
import sys

def handler(event, context):
    import boto3

    print("the function's log line")
    print("the function's warning", file=sys.stderr)  # where warnings go
    credentials = boto3.Session().get_credentials()
    return {"setting": os.environ.get("SETTING"), "region": boto3.Session().region_name,
            "key": credentials.access_key if credentials else None}
"""


def test_the_environment_lasts_from_the_import_through_every_invocation(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(CODE)
    with mock_aws():
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="fn", AssumeRolePolicyDocument=trust
        )["Role"]["Arn"]
        settings = FunctionSettings("Fn", "app.handler", {"SETTING": "from the template"}, role,
                                    tmp_path)  # fmt: skip
        log = io.StringIO()
        process_session = boto3.DEFAULT_SESSION
        lambda_variables = {"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}
        function = Function(settings, lambda_variables, "123456789012", log)
        try:
            first, second = function.invoke({}), function.invoke({})
        finally:
            function.unload()
        assert boto3.DEFAULT_SESSION is process_session

    assert first == second
    assert (first["setting"], first["region"]) == ("from the template", REGION)
    assert first["key"] is not None and first["key"] != os.environ.get("AWS_ACCESS_KEY_ID")
    assert "SETTING" not in os.environ
    assert "the function's log line" in log.getvalue()
    assert "the function's warning" in log.getvalue()
