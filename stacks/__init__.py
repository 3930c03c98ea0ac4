"""mlstack's CDK stacks, one per layer of the AWS ML stack, and their settings."""
