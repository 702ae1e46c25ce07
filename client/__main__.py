"""``python -m client``: see the identity pool at work from a terminal.

    python -m client whoami [--flow enhanced|basic|developer|guest] [--username NAME]
                            [--password PW] [--totp-code CODE] [--custom-role-arn ARN] [--json]
    python -m client call METHOD PATH [--data JSON] [the sign-in options of whoami]
    python -m client config [--out amplify_outputs.json]
    python -m client web [--port 5173]

All read the stack outputs from ``--outputs`` (default ``$IDPOOLS_OUTPUTS``, else
``stack-outputs.json``); ``--stack`` picks a stack when the file holds several. No AWS
credentials are needed: every call on the way to the identity's credentials is unsigned, and
``call`` signs its request to the items API with the identity's own. ``web`` serves the web
sample (``web/``) against the stack until Ctrl-C.
Any mistake or refusal is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TextIO
from urllib.parse import quote

from botocore.exceptions import BotoCoreError

from client import amplify, credentials, items, outputs, sign_in, web
from client.errors import ClientProblem
from client.whoami import whoami
from facts.web import WEB_PORT

FLOWS = ("enhanced", "basic", "developer", "guest")
USAGE_ERROR = 2


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--outputs",
        help=f"the stack outputs file (default: ${outputs.PATH_VARIABLE}, else "
        f"{outputs.DEFAULT_PATH})",
    )
    common.add_argument("--stack", help="the stack to use when the file holds several")
    root = argparse.ArgumentParser(
        prog="python -m client", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    signing_in = argparse.ArgumentParser(add_help=False)
    signing_in.add_argument(
        "--flow", choices=FLOWS, default="enhanced", help="default: %(default)s"
    )
    signing_in.add_argument("--username", help="user pool user (enhanced, basic) or developer user")
    signing_in.add_argument("--password", help="prompted for when left out (keeps it out of `ps`)")
    signing_in.add_argument(
        "--totp-code", help="TOTP code; prompted for if Cognito asks and none given"
    )
    signing_in.add_argument(
        "--custom-role-arn",
        help="enhanced: ask for this one of your token's roles; basic: the role to assume",
    )
    commands = root.add_subparsers(dest="command", required=True)
    who = commands.add_parser(
        "whoami",
        parents=[common, signing_in],
        help="sign in, get credentials, show the identity and role",
    )
    who.add_argument("--json", action="store_true", help="print one JSON object")
    call = commands.add_parser(
        "call",
        parents=[common, signing_in],
        help="sign in, then call the items API (ItemsApiUrl) signed with the identity's "
        "credentials; prints the JSON answer",
    )
    call.add_argument("method", help="GET, PUT, DELETE, ...")
    call.add_argument("path", help="relative to ItemsApiUrl, such as tenants/acme/items")
    call.add_argument("--data", help='the JSON body, such as \'{"text": "hello"}\'')
    config = commands.add_parser(
        "config", parents=[common], help="write amplify_outputs.json for Amplify JS"
    )
    config.add_argument("--out", default=amplify.DEFAULT_PATH, help="default: %(default)s")
    page = commands.add_parser(
        "web",
        parents=[common],
        help="serve the web sample against the stack (its CORS rules must allow the origin)",
    )
    page.add_argument("--port", type=int, default=WEB_PORT, help="default: %(default)s")
    return root


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up per call, so a redirected stdout is honoured
    args = parser().parse_args(argv)
    try:
        stack = outputs.load(args.outputs, args.stack)
        if args.command == "config":
            path = amplify.write(stack, args.out)
            print(f"wrote {path} for stack {stack.stack_name}", file=out)
        elif args.command == "call":
            show_call(args, stack, out)
        elif args.command == "web":
            serve_page(stack, args.port, out)
        else:
            show_whoami(args, stack, out)
    except ClientProblem as problem:
        print(f"error: {problem}", file=sys.stderr)
        return USAGE_ERROR
    except BotoCoreError as error:  # no connection, bad endpoint: a setup problem, not a bug
        print(
            f"error: {error}: check the network and AWS_ENDPOINT_URL (set only for the offline "
            "emulator)",
            file=sys.stderr,
        )
        return USAGE_ERROR
    return 0


def serve_page(stack: outputs.StackOutputs, port: int, out: TextIO) -> None:
    with web.serving(web.page_config(stack), port) as url:
        print(f"The web sample for stack {stack.stack_name}: {url}", file=out)
        print("Ctrl-C stops it.", file=out, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def show_whoami(args: argparse.Namespace, stack: outputs.StackOutputs, out: TextIO) -> None:
    identity = sign_in_with(args, stack)
    me = whoami(identity, stack)
    if args.json:
        print(json.dumps({"flow": args.flow, **me.as_json()}), file=out)
        return
    role = me.role_arn or "(not an assumed role)"
    if me.group:
        role += f" (group {me.group})"
    print(f"flow         {args.flow}", file=out)
    print(f"identity id  {me.identity_id}", file=out)
    print(f"role         {role}", file=out)
    print(f"expires      {me.expiration.isoformat()}", file=out)
    print(f"caller       {me.caller_arn}", file=out)


def show_call(args: argparse.Namespace, stack: outputs.StackOutputs, out: TextIO) -> None:
    try:
        data = None if args.data is None else json.loads(args.data)
    except ValueError as error:
        raise ClientProblem(f"--data is not JSON ({error}): pass a JSON document") from None
    answer = items.call(sign_in_with(args, stack), stack, args.method, args.path, data)
    if not answer.ok:
        raise ClientProblem(
            f"{args.method.upper()} {args.path} answered HTTP {answer.status}: {answer.reason}",
            code=str(answer.status),
        )
    print(json.dumps(answer.body, indent=2), file=out)


def sign_in_with(
    args: argparse.Namespace, stack: outputs.StackOutputs
) -> credentials.IdentitySession:
    if args.flow == "guest":
        return credentials.guest(stack)
    if not args.username:
        raise ClientProblem(f"--username is required for --flow {args.flow}")
    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    if args.flow == "developer":
        return credentials.developer(stack, args.username, password)
    tokens = sign_in.sign_in(
        stack,
        args.username,
        password,
        totp_source(args.totp_code),
        mfa_setup=lambda secret: enroll(args.username, secret, stack),
    )
    if args.flow == "basic":
        return credentials.basic(stack, tokens, role_arn=args.custom_role_arn)
    return credentials.enhanced(stack, tokens, custom_role_arn=args.custom_role_arn)


def enroll(username: str, secret: str, stack: outputs.StackOutputs) -> str:
    """MFA_SETUP: show the new TOTP secret once (Cognito never shows it again), as text and as
    the otpauth URI authenticator apps import, and ask for the first code."""
    label = quote(f"{stack.stack_name}:{username}")
    print(
        f"The pool requires MFA. Add this TOTP secret to {username}'s authenticator app now; "
        f"it is shown only once:\n  {secret}\n"
        f"  otpauth://totp/{label}?secret={secret}&issuer={quote(stack.stack_name)}",
        file=sys.stderr,
    )
    try:
        return input("TOTP code from the app: ").strip()
    except EOFError:
        raise ClientProblem("TOTP set-up needs a code from the authenticator app") from None


def totp_source(code: str | None) -> Callable[[], str]:
    """The given code, or a prompt; called only when Cognito asks for one."""
    if code:
        return lambda: code

    def ask() -> str:
        try:
            return input("TOTP code: ").strip()
        except EOFError:
            raise ClientProblem("the user has TOTP MFA: pass --totp-code") from None

    return ask


if __name__ == "__main__":
    sys.exit(main())
