"""The empty app plus everything app.py imports, with cdk-nag attached: the libraries' floor.

bench/synth.py times it beside the empty app and the full app, so that the full app's ratio
splits into what loading aws-cdk-lib's modules and cdk-nag costs (here) and what building and
synthesizing our constructs adds (the rest).
"""

import sys
from pathlib import Path

from aws_cdk import App, Stack, Validations
from cdk_nag import AwsSolutionsChecks

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Imported for its imports (it needs the project root on the path); nothing of it is built.
import app  # noqa: F401

libraries_app = App()
Stack(libraries_app, "Empty")
Validations.of(libraries_app).add_plugins(AwsSolutionsChecks(libraries_app))
libraries_app.synth()
