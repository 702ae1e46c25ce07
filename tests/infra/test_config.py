"""The config model: every mistake names its key and the fix; nothing else ever escapes."""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.config import (
    DEFAULT_GROUPS,
    AppConfig,
    ConfigError,
    EventVersion,
    FeaturePlan,
    ItemsApiConfig,
    MfaMode,
    Preset,
    Stage,
    TokenHookConfig,
    parse_config,
)
from infra.config.parsing import json_key, parse_with
from tests.support.configs import demo_raw

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def error_for(raw: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    return str(caught.value)


def test_the_demo_config_parses_to_the_secure_defaults() -> None:
    config = parse_config(demo_raw())
    # The demo's hook table, tag and disposable stages are its own; everything else is the
    # code's default (no stage disposable: every stage protected).
    demo = {"token_hook": TokenHookConfig(), "principal_tags": (), "disposable_stages": ()}
    assert dataclasses.replace(config, **demo) == AppConfig()
    assert config.principal_tags == (("tenant", "tenant"),)
    assert config.token_hook.event_version is EventVersion.V2_0
    assert [(c.claim, c.source) for c in config.token_hook.claims] == [
        ("tenant", "custom:tenant"),
        ("email", "email"),
    ]
    assert config.stage == Stage.SANDBOX
    assert config.feature_plan is FeaturePlan.ESSENTIALS
    assert config.mfa is MfaMode.OPTIONAL
    assert not config.guest_access
    assert not config.self_sign_up
    assert [(g.name, g.precedence, g.preset) for g in config.groups] == [
        ("admins", 10, Preset.ADMIN),
        ("editors", 20, Preset.EDITOR),
        ("viewers", 30, Preset.VIEWER),
    ]


def test_no_config_at_all_gives_the_defaults() -> None:
    assert parse_config(None) == AppConfig()
    assert parse_config({}).groups == DEFAULT_GROUPS


def test_config_is_frozen() -> None:
    config = parse_config({})
    with pytest.raises(AttributeError):
        config.guest_access = True


def test_duplicate_precedence_names_the_second_group() -> None:
    raw = demo_raw()
    raw["groups"][1]["precedence"] = raw["groups"][0]["precedence"]
    message = error_for(raw)
    assert message.startswith("config.groups[1].precedence: 10 is already used by groups[0]")
    assert "give each group its own number" in message


def test_duplicate_group_name() -> None:
    raw = demo_raw()
    raw["groups"][2]["name"] = "admins"
    assert error_for(raw).startswith("config.groups[2].name: 'admins' is already used")


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("authenticated", "the identity pool's default authenticated role"),
        ("Authenticated", "the identity pool's default authenticated role"),
        ("ADMINS", "groups[0]"),
    ],
)
def test_group_role_names_may_not_collide_ignoring_case(name: str, owner: str) -> None:
    raw = demo_raw()
    raw["groups"][1]["name"] = name
    message = error_for(raw)
    assert message.startswith(
        f"config.groups[1].name: {name!r} makes the same role name, ignoring case, as {owner}"
    )
    assert "Give the group another name" in message


@pytest.mark.parametrize(
    ("providers", "name"),
    [
        ({"google": {"clientId": "x.apps.googleusercontent.com"}}, "accounts.google.com"),
        (
            {"oidc": [{"issuerUrl": "https://idp.example.com", "clientIds": ["c"]}]},
            "idp.example.com",
        ),
    ],
)
def test_a_developer_provider_may_not_take_another_providers_name(
    providers: dict[str, Any], name: str
) -> None:
    # Group roles trust providers by the name amr carries; developer tokens carry theirs.
    raw = demo_raw()
    raw["providers"] = providers
    raw["developerAuth"]["providerName"] = name
    message = error_for(raw)
    assert message.startswith(f"config.developerAuth.providerName: {name!r} is also the login")
    raw["developerAuth"]["providerName"] = "login.example.test"
    parse_config(raw)


def test_unknown_preset_lists_the_known_ones() -> None:
    raw = demo_raw()
    raw["groups"][0]["preset"] = "superuser"
    assert error_for(raw) == (
        "config.groups[0].preset: unknown value 'superuser'. Use one of admin, editor, viewer"
    )


def test_unknown_top_level_key_suggests_the_close_one() -> None:
    message = error_for({"guestAcess": True})
    assert message.startswith("config.guestAcess: is not a known key. Did you mean 'guestAccess'?")


def test_unknown_nested_key() -> None:
    raw = demo_raw()
    raw["groups"][0]["role"] = "arn:aws:iam::123456789012:role/x"
    assert error_for(raw).startswith("config.groups[0].role: is not a known key")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("guestAccess", "false", "config.guestAccess: expected bool, got str 'false'"),
        ("selfSignUp", 0, "config.selfSignUp: expected bool, got int 0"),
        ("stage", 1, "config.stage: expected str, got int 1"),
        ("groups", {"name": "admins"}, "config.groups: expected list, got dict"),
        ("storage", "shared/", "config.storage: expected a JSON object, got str"),
    ],
)
def test_wrong_type_names_key_and_expected_type(key: str, value: Any, expected: str) -> None:
    assert error_for({key: value}).startswith(expected)


def test_precedence_must_be_a_number_not_a_bool_or_string() -> None:
    for bad in ("10", True, 1.5):
        raw = demo_raw()
        raw["groups"][0]["precedence"] = bad
        assert error_for(raw).startswith("config.groups[0].precedence: expected int")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"stage": "Live"}, "config.stage: 'Live' is not lower-case letters, digits and inner '-'"),
        ({"stage": "deploy-role"}, "config.stage: 'deploy-role' ends like the name of a stage"),
        ({"stage": "prod-deploy-role"}, "config.stage: 'prod-deploy-role' ends like the name"),
        ({"featurePlan": "lite"}, "config.featurePlan: unknown value 'lite'. Use one of LITE"),
        ({"mfa": "OFF"}, "config.mfa: unknown value 'OFF'. Use one of OPTIONAL, REQUIRED"),
        ({"groups": []}, "config.groups: is empty"),
        ({"groups": [{"name": "a", "preset": "admin"}]}, "config.groups[0].precedence: is missing"),
        (
            {"groups": [{"name": "a b", "precedence": 1, "preset": "admin"}]},
            "config.groups[0].name: 'a b' is not 1-64 letters",
        ),
        (
            {"groups": [{"name": "a", "precedence": -1, "preset": "admin"}]},
            "config.groups[0].precedence: -1 is out of range",
        ),
        (
            {"storage": {"sharedPrefix": "private/"}},
            "config.storage.sharedPrefix: 'private/' is reserved",
        ),
        ({"storage": {"publicPrefix": "Public"}}, "config.storage.publicPrefix: 'Public' is not"),
        (
            {"storage": {"sharedPrefix": "public/"}},
            "config.storage.sharedPrefix: is the same folder",
        ),
        ({"region": "Frankfurt"}, "config.region: 'Frankfurt' is not an AWS region name"),
        ({"account": "12345"}, "config.account: '12345' is not a 12-digit AWS account id"),
        ({"appName": "9lives"}, "config.appName: '9lives' is not a letter"),
        ([], "config: expected a JSON object, got list"),
    ],
)
def test_value_errors_name_key_and_fix(raw: Any, expected: str) -> None:
    assert error_for(raw).startswith(expected)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"rateLimit": 0}, "rateLimit: 0 is out of range. Use a whole number from 1 to 10000"),
        (
            {"burstLimit": 5001},
            "burstLimit: 5001 is out of range. Use a whole number from 1 to 5000",
        ),
        (
            {"memorySize": 64},
            "memorySize: 64 is out of range. Use a whole number from 128 to 10240",
        ),
        ({"rateLimit": "50"}, "rateLimit: expected int, got str '50'. Write it as JSON int"),
        ({"burstLimit": True}, "burstLimit: expected int, got bool True"),
        ({"rateLimt": 5}, "rateLimt: is not a known key. Did you mean 'rateLimit'?"),
    ],
)
def test_items_api_errors_name_the_key_and_the_fix(change: dict[str, Any], expected: str) -> None:
    raw = demo_raw()
    raw["itemsApi"] = {**raw["itemsApi"], **change}
    assert error_for(raw).startswith(f"config.itemsApi.{expected}")


def test_items_api_may_be_left_out_for_its_defaults() -> None:
    raw = demo_raw()
    del raw["itemsApi"]
    assert parse_config(raw).items_api == ItemsApiConfig(
        rate_limit=50, burst_limit=100, memory_size=256
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "appName", "stage", "account", "region", "featurePlan", "mfa", "selfSignUp", "guestAccess",
    "groups", "storage", "itemsApi",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(KEYS),
    value=JSON,
    group_value=JSON,
    group_key=st.sampled_from(["name", "precedence", "preset", "description", "extra"]),
)
def test_any_json_either_parses_or_raises_config_error(
    key: str, value: Any, group_value: Any, group_key: str
) -> None:
    """Arbitrary JSON in any key never escapes as a TypeError, KeyError or the like."""
    for raw in ({key: value}, {"groups": [{**demo_raw()["groups"][0], group_key: group_value}]}):
        try:
            parse_config(json.loads(json.dumps(raw)))
        except ConfigError as error:
            assert str(error).startswith("config.")


def section_types(hint: Any) -> list[type]:
    """The config dataclasses a field's type holds (a section, a list of them, or None)."""
    if dataclasses.is_dataclass(hint):
        return [typing.cast(type, hint)]
    return [found for arg in typing.get_args(hint) for found in section_types(arg)]


def undocumented(cls: type) -> set[str]:
    """Keys of ``cls`` and its sections that no table row of docs/configuration.md starts with."""
    documented = set(re.findall(r"^\| `(\w+)` \|", REFERENCE.read_text(), re.MULTILINE))
    hints = typing.get_type_hints(cls)
    missing = set()
    for spec in dataclasses.fields(cls):
        if json_key(spec) not in documented:
            missing.add(json_key(spec))
        for section in section_types(hints[spec.name]):
            missing |= undocumented(section)
    return missing


def test_the_reference_describes_every_key() -> None:
    assert undocumented(AppConfig) == set()

    @dataclasses.dataclass(frozen=True)
    class WithANewKey:
        alarm_email: str = dataclasses.field(default="", metadata=parse_with(str))

    assert undocumented(WithANewKey) == {"alarmEmail"}


def test_no_construct_raises_a_config_error() -> None:
    # Every rule runs in parse_config, or app.py's check of the synth inputs, before any construct.
    infra = REFERENCE.parents[1] / "infra"
    assert [path.name for path in infra.glob("*.py") if "ConfigError" in path.read_text()] == []
