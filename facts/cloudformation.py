"""CloudFormation's intrinsic functions, resolved the one way, rendered each reader's way.

``resolve`` evaluates ``Fn::Join``, ``Fn::Sub``, ``Fn::Select`` and ``Fn::Split`` as
CloudFormation does at deploy time; what only a deployment knows (``Ref``, ``Fn::GetAtt``) and
any function it does not evaluate go to a ``Renderer``: the offline run renders physical ids,
the security review readable construct names, the tests the values they choose.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

Json = Any
# ${Name} or ${Resource.Attribute} in Fn::Sub; ${!Literal} stands for the text ${Literal}.
_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class Renderer(Protocol):
    """What a reader makes of what only a deployment knows."""

    def ref(self, name: str) -> Json:
        """``Ref``: a resource's logical id, a parameter or a pseudo parameter (``AWS::Region``),
        and in ``Fn::Sub`` also an IAM policy variable (``${aws:username}``)."""
        ...

    def attribute(self, logical_id: str, attribute: str) -> Json:
        """``Fn::GetAtt``, and ``${A.B}`` in ``Fn::Sub`` (a policy variable with a dot too:
        ``${cognito-identity.amazonaws.com:sub}``)."""
        ...

    def unknown(self, function: str, argument: Json) -> Json:
        """A function ``resolve`` does not evaluate (``Fn::If``, ``Fn::ImportValue``) or a
        malformed one."""
        ...


def resolve(value: Json, renderer: Renderer) -> Json:
    """``value`` with every intrinsic function resolved, recursively."""
    if isinstance(value, list):
        return [resolve(item, renderer) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        [(key, argument)] = value.items()
        if key == "Ref" or key.startswith("Fn::"):
            return _function(key, argument, renderer)
    return {key: resolve(item, renderer) for key, item in value.items()}


def _function(key: str, argument: Json, renderer: Renderer) -> Json:
    if key == "Ref" and isinstance(argument, str):
        return renderer.ref(argument)
    if key == "Fn::GetAtt":
        parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
        if len(parts) == 2:
            logical_id, attribute = (text(resolve(part, renderer)) for part in parts)
            return renderer.attribute(logical_id, attribute)
    if key == "Fn::Join" and _pair(argument) and isinstance(argument[0], str):
        separator, parts = argument[0], resolve(argument[1], renderer)
        if isinstance(parts, list):
            return separator.join(text(part) for part in parts)
    if key == "Fn::Select" and _pair(argument):
        index, items = argument[0], resolve(argument[1], renderer)
        if isinstance(items, list) and str(index).isdigit() and int(index) < len(items):
            return items[int(index)]
    if key == "Fn::Split" and _pair(argument) and isinstance(argument[0], str):
        source = resolve(argument[1], renderer)
        if isinstance(source, str):
            return source.split(argument[0])
    if key == "Fn::Sub" and (
        isinstance(argument, str) or (_pair(argument) and isinstance(argument[1], dict))
    ):
        return _sub(argument, renderer)
    return renderer.unknown(key, argument)


def _sub(argument: Json, renderer: Renderer) -> str:
    template, variables = (argument, {}) if isinstance(argument, str) else argument

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return f"${{{name[1:]}}}"
        if name in variables:
            return text(resolve(variables[name], renderer))
        if "." in name:
            return text(renderer.attribute(*name.split(".", 1)))
        return text(renderer.ref(name))

    return _SUB_VARIABLE.sub(substitute, str(template))


def _pair(argument: Json) -> bool:
    return isinstance(argument, list) and len(argument) == 2


def text(value: Json) -> str:
    """A resolved value as one string: lists joined with ', ', anything else not a string as
    JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(text(item) for item in value)
    return json.dumps(value, sort_keys=True)


def references(value: Json) -> set[str]:
    """Every name ``value`` refers to through ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub``: logical
    ids, parameters and pseudo parameters (callers keep the ones they care about)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) and item else item
                found.add(str(target).split(".", 1)[0])
            elif key == "Fn::Sub":
                template, variables = item if _pair(item) else (item, {})
                names = _SUB_VARIABLE.findall(str(template))
                found |= {name.split(".", 1)[0] for name in names if not name.startswith("!")}
                found |= references(variables)
            else:
                found |= references(item)
    return found
