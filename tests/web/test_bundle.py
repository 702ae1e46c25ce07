"""What the page ships holds no secret: the bundle and the ``config.json`` it reads carry ids and
URLs only, never a password, a key, a TOTP secret or a token (each is known to the running stack,
so each is looked for, not guessed at)."""

from __future__ import annotations

import json
import re

import pytest

from client import web
from offline.seed import DEMO_PASSWORD
from tests.web.browser import WebStack

pytestmark = pytest.mark.web

# AWS access key ids (long-term AKIA, temporary ASIA) and JWTs.
KEY_ID = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.")


def shipped(site: WebStack) -> dict[str, str]:
    config = json.dumps(web.page_config(site.target.outputs, site.stack.endpoint_url))
    files = {path: file.read_text() for path, (file, _) in web.FILES.items() if file.is_file()}
    return {**files, "/config.json": config}


def test_no_secret_in_the_bundle_or_its_config(site: WebStack) -> None:
    secrets = {
        "the demo password": DEMO_PASSWORD,
        "the operator's secret key": site.target.operator.get_credentials().secret_key,
        **{f"{user}'s TOTP secret": secret for user, secret in site.seeded.totp_secrets.items()},
    }
    for path, content in shipped(site).items():
        for what, secret in secrets.items():
            assert secret not in content, f"{path} holds {what}"
        assert not KEY_ID.search(content), f"{path} holds an AWS access key id"
        assert not JWT.search(content), f"{path} holds a token"


def test_the_config_is_ids_and_urls(site: WebStack) -> None:
    config = web.page_config(site.target.outputs, site.stack.endpoint_url)
    assert set(config) == {"version", "auth", "storage", "custom"}
    assert set(config["custom"]) == {
        "login_url",
        "items_api_url",
        "developer_provider_name",
        "principal_tags",
        "role_labels",
        "aws_endpoint_url",
    }
