"""`mlstack local`: the whole app deployed, checked, redeployed and destroyed against the local emulator.

One concern a module: the emulated account (`account`), the emulator's process (`emulator_process`), the
CDK CLI's (`cdk`), signals and process groups (`processes`), the run lock (`lock`), the phases
(`round_trip`; `training_check` for the job `mlstack train` submits) and their order per scenario
(`plan`), the data `--scenario retain` keeps (`kept_data`), the report (`report`), and the run that ties
them together (`run`).
"""
