"""``python -m review``: write cdk.out/review.md and review.json; ``--base REF`` adds the diff.

    python -m review [--outdir cdk.out] [--no-scan] [--base REF [--config FILE]] [--fail-on-widen]
    python -m review diff OLD.template.json NEW.template.json [--fail-on-widen]

Exit codes: 0 done; 1 access widens and ``--fail-on-widen`` was given; 2 usage or input error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from review.baseline import BaselineError, synthesized
from review.diff import diff, to_text
from review.render import to_json, to_markdown
from review.report import Review, review_outdir, review_template
from review.template import Template

WIDENS = 1


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "diff":
            return _diff_files(args[1:])
        return _review(args)
    except (BaselineError, FileNotFoundError, ValueError) as error:
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
    parser.add_argument("--config", help="config file the base synth uses (make CONFIG=...)")
    parser.add_argument("--fail-on-widen", action="store_true")
    args = parser.parse_args(argv)
    review = review_outdir(args.outdir, scan=not args.no_scan)
    (args.outdir / "review.md").write_text(to_markdown(review))
    (args.outdir / "review.json").write_text(to_json(review))
    warnings = sum(len(s.risks) for s in review.stacks)
    print(f"wrote {args.outdir / 'review.md'} and review.json ({warnings} warnings)")
    if not args.base:
        return 0
    with synthesized(args.base, args.config) as base_outdir:
        base = review_outdir(base_outdir, scan=False)
    result = diff(base, review)
    text = to_text(result, args.base, "this checkout")
    (args.outdir / "review-diff.txt").write_text(text)
    print(text, end="")
    return WIDENS if args.fail_on_widen and result.widens else 0


def _diff_files(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m review diff")
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--fail-on-widen", action="store_true")
    args = parser.parse_args(argv)
    old = Review([review_template(Template.load(args.old))])
    new = Review([review_template(Template.load(args.new))])
    result = diff(old, new)
    print(to_text(result, str(args.old), str(args.new)), end="")
    return WIDENS if args.fail_on_widen and result.widens else 0


if __name__ == "__main__":
    sys.exit(main())
