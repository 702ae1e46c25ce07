"""``python -m review``: write cdk.out/review.md and review.json; ``--base REF`` adds the diffs.

    python -m review [--outdir cdk.out] [--no-scan]
                     [--base REF [--config FILE] [--stage STAGE] [--stages "a b"]] [--fail-on-widen]
    python -m review diff OLD.template.json NEW.template.json [--fail-on-widen]

With ``--base``: the permission diff of this checkout against REF (both at the stage of
``--outdir``'s synth), and the losses of users and their data at every reviewed stage (base
and head each synthesized at that stage; default: the config's stage and every stage the deploy
workflows deploy, of base and head both).

Exit codes: 0 done; 1 with ``--fail-on-widen``: access widens, or a protected stage loses
something that holds users or their data; 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from review import losses, specification, stages
from review.baseline import (
    ROOT,
    BaselineError,
    checkout,
    commit_of,
    ref_reader,
    synthesize,
)
from review.diff import Diff, diff, to_text
from review.losses import StageLosses, SynthesizedStack
from review.render import to_json, to_markdown
from review.report import Review, review_outdir, review_template
from review.specification import SpecificationError
from review.stages import StagesError
from review.template import Template

FAILS = 1


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "diff":
            return _diff_files(args[1:])
        return _review(args)
    except (
        BaselineError,
        FileNotFoundError,
        SpecificationError,
        StagesError,
        ValueError,
    ) as error:
        print(f"review: {error}", file=sys.stderr)
        return 2


def _review(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m review",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--outdir", type=Path, default=Path("cdk.out"))
    parser.add_argument("--no-scan", action="store_true", help="skip cfn-lint and checkov")
    parser.add_argument("--base", help="git ref to diff against (synthesized in a worktree)")
    parser.add_argument("--config", help="config file both synths use (make CONFIG=...)")
    parser.add_argument("--stage", help="the stage --outdir was synthesized at (make STAGE=...)")
    parser.add_argument("--stages", help='stages to review for losses (make STAGES="a b")')
    parser.add_argument("--fail-on-widen", action="store_true")
    args = parser.parse_args(argv)
    review = review_outdir(args.outdir, scan=not args.no_scan)
    (args.outdir / "review.md").write_text(to_markdown(review))
    (args.outdir / "review.json").write_text(to_json(review))
    warnings = sum(len(s.risks) for s in review.stacks)
    print(f"wrote {args.outdir / 'review.md'} and review.json ({warnings} warnings)")
    if not args.base:
        return 0
    spec = specification.load()
    here_read, here_workflows = stages.checkout_reader(ROOT)
    here = args.stage or stages.config_stage(here_read, args.config)
    if args.stages:
        reviewed = stages.parse_stages(args.stages)
    else:
        base_read, base_workflows = ref_reader(commit_of(args.base))
        reviewed = stages.unique(
            stages.stages_of(here_read, here_workflows, args.config)
            + stages.stages_of(base_read, base_workflows, args.config)
        )
    permission_diff, found = _against_base(args, here, reviewed, review, spec)
    text = to_text(permission_diff, f"{args.base} (stage {here})", "this checkout")
    text += "\n" + losses.to_text(found, args.base, "this checkout")
    (args.outdir / "review-diff.txt").write_text(text)
    (args.outdir / "review-losses.json").write_text(
        json.dumps([{**asdict(s), "fails": s.fails} for s in found], indent=2) + "\n"
    )
    print(text, end="")
    fails = permission_diff.widens or any(s.fails for s in found)
    return FAILS if args.fail_on_widen and fails else 0


def _against_base(
    args: argparse.Namespace,
    here: str,
    reviewed: list[str],
    review: Review,
    spec: specification.Specification,
) -> tuple[Diff, list[StageLosses]]:
    """The permission diff at ``here`` and the losses at every stage, base and head built at
    the same stage (``--outdir`` is this checkout's synth at ``here``)."""
    found: list[StageLosses] = []
    with (
        tempfile.TemporaryDirectory(prefix="review-stages-") as scratch,
        checkout(args.base) as base_tree,
    ):
        label = f"{args.base} ({commit_of(args.base)[:12]})"
        base_here = synthesize(
            base_tree, Path(scratch) / f"base-{here}", f"{label} at stage {here}", args.config, here
        )
        permission_diff = diff(review_outdir(base_here, scan=False), review)
        found.append(_stage_losses(here, base_here, args.outdir, spec))
        for stage in reviewed:
            if stage == here:
                continue
            base_out = synthesize(
                base_tree,
                Path(scratch) / f"base-{stage}",
                f"{label} at stage {stage}",
                args.config,
                stage,
            )
            head_out = synthesize(
                ROOT,
                Path(scratch) / f"head-{stage}",
                f"this checkout at stage {stage}",
                args.config,
                stage,
            )
            found.append(_stage_losses(stage, base_out, head_out, spec))
    return permission_diff, found


def _stage_losses(
    stage: str, base_out: Path, head_out: Path, spec: specification.Specification
) -> StageLosses:
    old, new = losses.assembly(base_out), losses.assembly(head_out)
    protected = any(stages.protected(s) for s in [*old.values(), *new.values()])
    return StageLosses(stage, protected, losses.losses(old, new, spec))


def _diff_files(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m review diff")
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--fail-on-widen", action="store_true")
    args = parser.parse_args(argv)
    old_template, new_template = Template.load(args.old), Template.load(args.new)
    result = diff(Review([review_template(old_template)]), Review([review_template(new_template)]))
    # Two bare templates carry no stage: judged as protected, the safe side.
    found = StageLosses(
        "unknown",
        True,
        losses.losses(
            {old_template.name: SynthesizedStack(old_template)},
            {new_template.name: SynthesizedStack(new_template)},
            specification.load(),
        ),
    )
    text = to_text(result, str(args.old), str(args.new))
    text += "\n" + losses.to_text([found], str(args.old), str(args.new))
    print(text, end="")
    return FAILS if args.fail_on_widen and (result.widens or found.fails) else 0


if __name__ == "__main__":
    sys.exit(main())
