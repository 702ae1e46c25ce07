"""What Cognito, IAM and CloudFormation are, as this project relies on them: one home for each
fact and helper that ``infra/``, ``review/``, ``offline/``, ``client/`` and the tests share.

- ``cognito``: the identity pool principal and its context keys, reserved claims, the social
  providers' login names and claims, standard attributes.
- ``iam``: IAM's wildcards and the one policy evaluator.
- ``cloudformation``: intrinsic functions resolved through a pluggable renderer, and references.
- ``sts``: the limits on session tags.
- ``stack``: the few names of this stack's own that run-time code repeats (custom attributes,
  the developer username rule).
- ``web``: the local origin the web sample is served from (``make web``).

The wall: standard library only, and nothing of this project, so that every layer may import
it without loading jsii, boto3 or moto (``tests/facts/test_wall.py`` holds it). ``lambdas/``
cannot import it (each function folder is its own asset): it keeps copies, each held equal to
the fact here by a contract test.
"""
