"""Local AWS emulator for mlstack: moto's server on localhost, extended where the app's templates need it.

`python -m mlstack.emulator` serves it in a process of its own (`mlstack local` runs it so); `Emulator`
(server.py) runs it in a thread of this process (the tests); `install()` (install.py) applies the extensions
to the moto imported here, once. Every request passes its front first (front.py: its own Host, no Origin,
signed with the run's access key id), because the emulator runs deployed code on this machine.

One module per gap, named after it, each closing one gap measured with moto 5.2.5 and CDK CLI 2.1148.1
(listed in the README's "Emulator gaps and their fixes"): resources/ (CloudFormation handlers for resource
types moto lacks, one module per service), deletes.py, properties.py, policies.py, catalogue.py,
cloudformation.py, missing_apis.py. Nothing here changes a template: the emulator adapts to the app, never
the other way round. It imports neither the app (`stacks`) nor the tests: what it must seed comes in as
arguments from whoever starts it.
"""
