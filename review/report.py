"""The review of one stack: access paths, roles, acknowledgements, scans and risks together."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from review import access, acknowledgements, roles, scans
from review.access import Pool
from review.acknowledgements import Acknowledgement, OpenFinding
from review.cors import BrowserAccess, browser_access
from review.risks import Risk, risks
from review.roles import Role, api_routes
from review.scans import Scan
from review.template import Template


@dataclass(frozen=True)
class StackReview:
    stack: str
    pools: list[Pool]
    roles: dict[str, Role]
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    open_findings: list[OpenFinding] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    # The browser origins the stack answers (CORS), where.
    browser_access: list[BrowserAccess] = field(default_factory=list)

    def reachers(self, role_key: str) -> list[str]:
        """The identities that can end at a role."""
        return [i.label for pool in self.pools for i in pool.identities if i.role == role_key]


@dataclass(frozen=True)
class Review:
    stacks: list[StackReview]
    scans: list[Scan] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for stack, raw in zip(self.stacks, data["stacks"], strict=True):
            for key, role in raw["roles"].items():
                role["identity_pool_role"] = stack.roles[key].identity_pool_role
                role["tag_session"] = stack.roles[key].tag_session
                role["reached_by"] = stack.reachers(key)
                role["api_routes"] = [
                    {**asdict(route), "route": route.route}
                    for route in api_routes(stack.roles[key])
                ]
        return data


def review_template(template: Template, outdir: Path | None = None) -> StackReview:
    """The review of one template; ``outdir`` adds what the synth recorded beside it."""
    pools = access.pools(template)
    found_roles = roles.roles(template)
    acks = acknowledgements.checkov_skips(template)
    open_findings: list[OpenFinding] = []
    if outdir is not None:
        acks = acknowledgements.cdk_nag(outdir, template.name) + acks
        open_findings = acknowledgements.open_findings(outdir, template.name)
    return StackReview(
        stack=template.name,
        pools=pools,
        roles=found_roles,
        acknowledgements=acks,
        open_findings=open_findings,
        risks=risks(template, pools, found_roles),
        browser_access=browser_access(template),
    )


def review_outdir(outdir: Path, *, scan: bool = True) -> Review:
    paths = sorted(outdir.glob("*.template.json"))
    if not paths:
        raise FileNotFoundError(f"no *.template.json in {outdir}: run make synth first")
    stacks = [review_template(Template.load(path), outdir) for path in paths]
    found_scans = [scans.cfn_lint(paths), scans.checkov(paths)] if scan else []
    return Review(stacks, found_scans)
