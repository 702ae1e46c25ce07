"""How a JSON object becomes a frozen dataclass: each field names the function that parses its
value, and its key is the field's name in camelCase (``self_sign_up`` is ``selfSignUp``).

Every parser takes the raw value and the key path it came from, and raises :class:`ConfigError`
naming that path and the fix.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, fields
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

CONTEXT_KEY = "config"
CDK_JSON = Path(__file__).resolve().parents[2] / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context (config and feature flags), as the CDK CLI passes it to the app."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def config_file(path: str, given_as: str) -> Any:
    """A whole config from a JSON file (``make synth CONFIG=path`` and friends); ``given_as``
    names how the path was given, for the error."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(
            "", f"{given_as} {path!r} does not exist", "Give the path of a JSON file"
        ) from None
    except ValueError as error:
        raise ConfigError(
            "", f"{given_as} {path!r} is not valid JSON ({error})", "Fix the file"
        ) from None


if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
# Config sections are dataclasses: their fields are the keys.
Section = TypeVar("Section", bound="DataclassInstance")
E = TypeVar("E", bound=StrEnum)
Parser = Callable[[Any, str], T]


class ConfigError(ValueError):
    """A configuration mistake, worded so the reader knows which key to change and how."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        label = f"{CONTEXT_KEY}.{key}" if key else CONTEXT_KEY
        super().__init__(f"{label}: {problem}. {fix}")
        self.key = key


def parse_with(parse: Parser[Any]) -> dict[str, Any]:
    """A field's metadata: the parser of its JSON value."""
    return {"parse": parse}


def json_key(spec: Field[Any]) -> str:
    """The field's key in the JSON config: its name in camelCase."""
    first, *rest = spec.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def parse_object(cls: type[Section], raw: Any, path: str) -> Section:
    """Build dataclass ``cls`` from a JSON object, refusing unknown keys and wrong types."""
    if not isinstance(raw, Mapping):
        raise ConfigError(
            path, f"expected a JSON object, got {type(raw).__name__}", "Make it an object of keys"
        )
    specs = {json_key(f): f for f in fields(cls)}
    for key in raw:
        if key not in specs:
            close = difflib.get_close_matches(str(key), list(specs), n=1)
            hint = f"Did you mean {close[0]!r}?" if close else "Remove it"
            known = ", ".join(specs)
            raise ConfigError(join(path, str(key)), "is not a known key", f"{hint} Known: {known}")
    for key, spec in specs.items():
        required = spec.default is MISSING and spec.default_factory is MISSING
        if required and key not in raw:
            raise ConfigError(join(path, key), "is missing", f"Give {path or 'it'} a {key}")
    values = {
        spec.name: spec.metadata["parse"](raw[key], join(path, key))
        for key, spec in specs.items()
        if key in raw
    }
    return cls(**values)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def object_of(cls: type[Section]) -> Parser[Section]:
    def parse(value: Any, key: str) -> Section:
        return parse_object(cls, value, key)

    return parse


def list_of(cls: type[Section]) -> Parser[tuple[Section, ...]]:
    def parse(value: Any, key: str) -> tuple[Section, ...]:
        items = expect(value, list, key, "[{...}]")
        return tuple(parse_object(cls, item, f"{key}[{i}]") for i, item in enumerate(items))

    return parse


def expect(value: Any, kind: type, key: str, example: str) -> Any:
    # bool is an int in Python; a config that says `1` for a flag or `true` for a number is a typo.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(
            key,
            f"expected {kind.__name__}, got {type(value).__name__} {value!r}",
            f"Write it as JSON {kind.__name__}, for example {example}",
        )
    return value


def boolean(value: Any, key: str) -> bool:
    return bool(expect(value, bool, key, "false"))


def matching(pattern: re.Pattern[str], rule: str, example: str) -> Parser[str]:
    def parse(value: Any, key: str) -> str:
        text = expect(value, str, key, f'"{example}"')
        if not pattern.fullmatch(text):
            raise ConfigError(key, f"{text!r} is not {rule}", f'Use something like "{example}"')
        return str(text)

    return parse


def one_of(kind: type[E]) -> Parser[E]:
    def parse(value: Any, key: str) -> E:
        allowed = [member.value for member in kind]
        text = expect(value, str, key, f'"{allowed[0]}"')
        if text not in allowed:
            raise ConfigError(key, f"unknown value {text!r}", f"Use one of {', '.join(allowed)}")
        return kind(text)

    return parse


def bounded(low: int, high: int, example: int) -> Parser[int]:
    def parse(value: Any, key: str) -> int:
        number = int(expect(value, int, key, str(example)))
        if not low <= number <= high:
            raise ConfigError(
                key, f"{number} is out of range", f"Use a whole number from {low} to {high}"
            )
        return number

    return parse


def strings(pattern: re.Pattern[str], rule: str, example: str) -> Parser[tuple[str, ...]]:
    item = matching(pattern, rule, example)

    def parse(value: Any, key: str) -> tuple[str, ...]:
        items = expect(value, list, key, f'["{example}"]')
        parsed = tuple(item(entry, f"{key}[{index}]") for index, entry in enumerate(items))
        for index, entry in enumerate(parsed):
            if entry in parsed[:index]:
                raise ConfigError(f"{key}[{index}]", f"{entry!r} is listed twice", "List it once")
        return parsed

    return parse
