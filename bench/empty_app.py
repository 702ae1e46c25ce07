"""The jsii floor: the smallest CDK app there is. bench/synth.py measures against it."""

from aws_cdk import App, Stack

app = App()
Stack(app, "Empty")
app.synth()
