"""Security review kit: who can end up with which role and permissions, and what a change would
remove or replace of users and their data, read from the template.

Reads ``cdk.out/*.template.json`` (and the synth's metadata and validation report files) as
JSON. Standard library only: no jsii, no ``aws_cdk``, no ``infra`` import, so it runs on any
template, including one synthesized from another git ref.
"""
