"""The jsii floor: the smallest CDK app there is. bench/synth.py measures against it.

With ``--exit-after-synth`` it ends the way app.py does, skipping the jsii kernel's graceful
shutdown, so the comparison can also be made like for like.
"""

import os
import sys

from aws_cdk import App, Stack

app = App()
Stack(app, "Empty")
app.synth()
if "--exit-after-synth" in sys.argv:
    os._exit(0)
