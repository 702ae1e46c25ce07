"""How an app and an operator reach the deployed stack: boto3 and the standard library only."""
