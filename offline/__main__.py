"""``python -m offline run`` (``make offline``), ``python -m offline serve``
(``make offline-serve``) and ``python -m offline web`` (``make web``): the synthesized stack in
moto, the demo users, the scenario table, and the web sample served against the stack."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from client import outputs as client_outputs
from client import web
from client.errors import ClientProblem
from facts.web import WEB_PORT
from offline import scenarios
from offline.identity import CREDENTIAL_SECONDS
from offline.seed import DEMO_PASSWORD, cast, describe
from offline.stack import REGION, offline_stack
from offline.target import LocalTarget
from offline.template import Template, TemplateError


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m offline", description=__doc__)
    root.add_argument("command", choices=("run", "serve", "web"))
    root.add_argument(
        "--cdk-out",
        type=Path,
        default=Path("cdk.out"),
        help="the cloud assembly to deploy (default %(default)s)",
    )
    root.add_argument(
        "--outputs",
        type=Path,
        default=Path("stack-outputs.json"),
        help="where `serve` writes the stack outputs for the client",
    )
    root.add_argument(
        "--credentials",
        type=Path,
        help="`serve`: write the operator's access key here, as an AWS shared credentials file "
        "(profile offline), for `make e2e TARGET=...` against this stack",
    )
    root.add_argument(
        "--credential-seconds",
        type=int,
        default=CREDENTIAL_SECONDS,
        help="`serve`, `web`: how long the identity pool's credentials last (default "
        "%(default)s, Cognito's; less shows a client refreshing them)",
    )
    root.add_argument(
        "--port",
        type=int,
        default=WEB_PORT,
        help="`web`: the page's port; the stack's CORS rules must allow http://localhost:<port> "
        "(default %(default)s, which disposable stages allow)",
    )
    root.add_argument(
        "--no-demo-users",
        action="store_true",
        help="`serve`: leave the stack empty (`make e2e TARGET=...` seeds it itself)",
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except (TemplateError, ClientProblem) as error:
        print(f"offline: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    template = Template.find(args.cdk_out)
    log_path = args.cdk_out / "offline-functions.log"
    with (
        log_path.open("w") as log,
        offline_stack(template, log, args.credential_seconds) as stack,
        ExitStack() as page,
    ):
        os.environ["AWS_ENDPOINT_URL"] = stack.endpoint_url
        target = LocalTarget(stack)
        if args.command == "run":
            rows = scenarios.run(target, sys.stdout)
            print("\nNot created by the offline run itself:")
            for line in stack.deployment.describe():
                print(f"  {line}")
            print(f"\nFunction logs: {log_path}")
            return 1 if any(row.deviations or row.not_run for row in rows) else 0
        if args.credentials is not None:
            args.credentials.write_text(
                "[offline]\n"
                f"aws_access_key_id = {stack.operator['aws_access_key_id']}\n"
                f"aws_secret_access_key = {stack.operator['aws_secret_access_key']}\n"
            )
        stack.outputs_file(args.outputs)
        print(f"Offline stack {template.stack_name} at {stack.endpoint_url}\n")
        if args.command == "web":
            config = web.page_config(client_outputs.load(args.outputs), stack.endpoint_url)
            url = page.enter_context(web.serving(config, args.port))
            print(f"The web sample: {url}\n")
        print("In another shell:\n")
        print(f"  export AWS_ENDPOINT_URL={stack.endpoint_url} AWS_REGION={REGION}")
        print(f"  export IDPOOLS_OUTPUTS={args.outputs.resolve()}")
        example = cast(target.outputs.groups).by_group[-1].username
        print(f"  python -m client whoami --username {example}\n")
        if not args.no_demo_users:
            print(f"Demo users (password {DEMO_PASSWORD}):")
            print(json.dumps(describe(target.seeded), indent=2))
        print("\nCtrl-C stops it.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
