"""The deployed stack's outputs, read from the file ``cdk deploy --outputs-file`` writes.

The client learns every id and URL from this one file, never from code or the template, so
the same client runs against a real deployment and against the offline emulator (which writes
the same format); only the endpoint differs, and boto3 takes that from ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.errors import ClientProblem

DEFAULT_PATH = "stack-outputs.json"
PATH_VARIABLE = "IDPOOLS_OUTPUTS"


@dataclass(frozen=True)
class Group:
    name: str
    precedence: int
    role_arn: str
    preset: str  # what the group's role may do in the sample bucket: admin, editor, viewer


@dataclass(frozen=True)
class StackOutputs:
    """One field per CloudFormation output of the ``<appName>-<stage>`` stack."""

    stack_name: str
    region: str
    user_pool_id: str
    user_pool_client_id: str
    # "cognito-idp.<region>.amazonaws.com/<poolId>": the key of the ID token in ``Logins``.
    user_pool_provider_name: str
    identity_pool_id: str
    guest_access: bool
    authenticated_role_arn: str
    bucket_name: str
    developer_provider_name: str
    login_url: str
    user_table_name: str
    # The items API's stage URL, "https://<api id>.execute-api.<region>.amazonaws.com/v1/".
    items_api_url: str
    items_table_name: str
    # The session tags the user pool's tokens give: tag key -> the ID token claim it comes from
    # (empty when the stack maps none; developer identities get theirs from sign-in instead).
    principal_tags: Mapping[str, str]
    groups: tuple[Group, ...]

    def group_role_arn(self, name: str) -> str:
        """The role of the user pool group ``name`` (for a ``CustomRoleArn``, for example)."""
        for group in self.groups:
            if group.name == name:
                return group.role_arn
        known = ", ".join(group.name for group in self.groups)
        raise ClientProblem(f"no group {name!r} in the stack's Groups output (it has {known})")


# Output key -> field name.
_KEYS = {
    "Region": "region",
    "UserPoolId": "user_pool_id",
    "UserPoolClientId": "user_pool_client_id",
    "UserPoolProviderName": "user_pool_provider_name",
    "IdentityPoolId": "identity_pool_id",
    "GuestAccess": "guest_access",
    "AuthenticatedRoleArn": "authenticated_role_arn",
    "BucketName": "bucket_name",
    "DeveloperProviderName": "developer_provider_name",
    "LoginUrl": "login_url",
    "UserTableName": "user_table_name",
    "ItemsApiUrl": "items_api_url",
    "ItemsTableName": "items_table_name",
    "PrincipalTags": "principal_tags",
    "Groups": "groups",
}


def default_path() -> Path:
    """``$IDPOOLS_OUTPUTS`` if set, else ``stack-outputs.json`` in the working directory."""
    return Path(os.environ.get(PATH_VARIABLE) or DEFAULT_PATH)


def load(path: str | os.PathLike[str] | None = None, stack: str | None = None) -> StackOutputs:
    """Read the outputs file; ``stack`` picks one stack when the file holds several."""
    source = Path(path) if path is not None else default_path()
    try:
        document = json.loads(source.read_text())
    except FileNotFoundError:
        raise ClientProblem(
            f"outputs file {source} not found: deploy with `cdk deploy --outputs-file {source}` "
            f"(or start the offline emulator), or point --outputs / ${PATH_VARIABLE} at the file"
        ) from None
    except ValueError as error:
        raise ClientProblem(f"outputs file {source} is not valid JSON: {error}") from None
    return parse(document, stack, source=str(source))


def parse(document: Any, stack: str | None = None, source: str = "outputs") -> StackOutputs:
    """Parse ``{"<stackName>": {"<OutputKey>": "<value>", ...}}``."""
    if not isinstance(document, dict) or not all(isinstance(v, dict) for v in document.values()):
        raise ClientProblem(
            f'{source}: expected {{"<stackName>": {{"<OutputKey>": "<value>"}}}} '
            "as `cdk deploy --outputs-file` writes it"
        )
    if stack is None:
        # The deploy-role stack (config.pipeline) writes its own outputs beside the app's.
        apps = [name for name, values in document.items() if "IdentityPoolId" in values]
        if len(apps) != 1:
            names = ", ".join(sorted(apps or document)) or "none"
            raise ClientProblem(f"{source} holds stacks {names}: choose one with --stack")
        [stack] = apps
    elif stack not in document:
        names = ", ".join(sorted(document)) or "none"
        raise ClientProblem(f"{source} has no stack {stack!r} (it has {names}): fix --stack")
    values: Mapping[str, Any] = document[stack]
    missing = [key for key in _KEYS if not isinstance(values.get(key), str)]
    if missing:
        raise ClientProblem(
            f"{source}: stack {stack!r} lacks the output(s) {', '.join(missing)}: "
            "redeploy the current stack and write the outputs file again"
        )
    fields: dict[str, Any] = {field: values[key] for key, field in _KEYS.items()}
    fields["guest_access"] = _flag(values["GuestAccess"], source)
    fields["principal_tags"] = _principal_tags(values["PrincipalTags"], source)
    fields["groups"] = _groups(values["Groups"], source)
    return StackOutputs(stack_name=stack, **fields)


def _flag(raw: str, source: str) -> bool:
    if raw not in ("true", "false"):
        raise ClientProblem(f'{source}: GuestAccess is {raw!r}; expected "true" or "false"')
    return raw == "true"


def _principal_tags(raw: str, source: str) -> dict[str, str]:
    shape = f'{source}: PrincipalTags must be a JSON object {{"<tag>": "<claim>"}}'
    try:
        tags = json.loads(raw)
    except ValueError:
        raise ClientProblem(f"{shape}; it is not JSON") from None
    if not (isinstance(tags, dict) and all(isinstance(claim, str) for claim in tags.values())):
        raise ClientProblem(f"{shape}; found {raw}")
    return tags


def _groups(raw: str, source: str) -> tuple[Group, ...]:
    shape = f'{source}: Groups must be a JSON list of {{"name", "precedence", "roleArn", "preset"}}'
    try:
        items = json.loads(raw)
    except ValueError:
        raise ClientProblem(f"{shape}; it is not JSON") from None
    if not isinstance(items, list):
        raise ClientProblem(shape)
    groups = []
    for item in items:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("precedence"), int)
            and isinstance(item.get("roleArn"), str)
            and isinstance(item.get("preset"), str)
        ):
            raise ClientProblem(f"{shape}; found {json.dumps(item)}")
        groups.append(Group(item["name"], item["precedence"], item["roleArn"], item["preset"]))
    return tuple(groups)
