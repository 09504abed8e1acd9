"""The offline deploy: archgen's stacks run under Pulumi mocks whose resources are created in moto.

Opt-in (`archgen-stacks[testing]`): `emulator` deploys a stack program into
moto, `esm_runner` plays the Lambda poller of a Kinesis mapping, and
`pytest_plugin` gives a project's tests a deployed stack as a fixture.
"""
