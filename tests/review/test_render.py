"""The Markdown report (with its Mermaid diagram) and the JSON."""

from __future__ import annotations

import json

from review.render import to_json, to_markdown
from review.report import Review, StackReview
from review.scans import Scan
from tests.support.template import Synth


def test_markdown_shows_paths_roles_acknowledgements_and_scans(
    default_review: StackReview, synth: Synth
) -> None:
    config = synth.demo.config
    review = Review([default_review], [Scan("checkov", "not run", ".venv-checkov missing")])
    text = to_markdown(review)
    assert "```mermaid\nflowchart LR" in text
    for group in config.groups:
        assert f'-- "group {group.name} ({group.precedence})" -->' in text
        role = config.group_role_name(group.name)
        assert f"| {group.name} | {group.precedence} | `{role}` |" in text
    warnings = [f"- **{r.kind}** ({r.where}): {r.message}" for r in default_review.risks]
    assert "### Warnings\n\n" + ("\n".join(warnings) or "None.") + "\n\n" in text
    # Policy variables stay visible, in code spans so Markdown leaves <...> alone.
    assert "/tenants/${aws:PrincipalTag/tenant}/*" in text
    assert "| checkov | not run | .venv-checkov missing |" in text
    assert "AwsSolutions-COG2" in text


def test_json_has_roles_with_who_reaches_them(default_review: StackReview, synth: Synth) -> None:
    config, template = synth.demo.config, synth.demo.assertions
    pool = template.get_resource_id("AWS::Cognito::UserPool")
    client = template.get_resource_id("AWS::Cognito::UserPoolClient")
    data = json.loads(to_json(Review([default_review])))
    [stack] = data["stacks"]
    by_name = {role["name"]: role for role in stack["roles"].values()}
    for group in config.groups:
        role = by_name[config.group_role_name(group.name)]
        assert role["reached_by"] == [f"user pool {pool} (client {client}) / group {group.name}"]
        assert role["tag_session"] is True
    assert [(r["kind"], r["where"]) for r in stack["risks"]] == [
        (r.kind, r.where) for r in default_review.risks
    ]
