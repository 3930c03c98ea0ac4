"""CloudFormation fixes: readable stack failures with rollback, change sets per stack, GetStackOutput, SSM parameters.

Without them a failed resource became HTTP 500 and a stack stuck in REVIEW_IN_PROGRESS, redeploys hung on
another stack's change set, weak cross-stack references stayed unresolved, and unchanged redeploys changed.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("mlstack.emulator")


def install_get_stack_output() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import cloudformation_backends

    original = parsing.clean_json

    # cdk.json sets "@aws-cdk/core:defaultCrossStackReferences": "weak": cross-stack values are read with
    # the `Fn::GetStackOutput` intrinsic, which moto 5.2.5 does not know (it left the dict in place, and
    # e.g. IAM then rejected the policy as malformed). Resolved here from the producing stack's outputs.
    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
            spec = original(resource_json["Fn::GetStackOutput"], resources_map)
            region = spec.get("Region") or resources_map._region_name
            backend = cloudformation_backends[resources_map._account_id][region]
            for stack in backend.stacks.values():
                if stack.name == spec["StackName"]:
                    values = {output.key: output.value for output in stack.output_map.values() if output}
                    if spec["OutputName"] in values:
                        return values[spec["OutputName"]]
            raise ValidationError(
                message=f"Fn::GetStackOutput: stack {spec['StackName']} has no output {spec['OutputName']}"
            )
        return original(resource_json, resources_map)

    # moto 5.2.5: clean_json recurses through the module-level name, so nested uses resolve too.
    parsing.clean_json = clean_json


def find_change_set(backend: Any, name_or_arn: str, stack_name: str | None) -> Any:
    """The change set ExecuteChangeSet meant: by ARN, else the newest of that name (of that stack)."""
    if name_or_arn in backend.change_sets:
        return backend.change_sets[name_or_arn]
    matches = [
        cs
        for cs in backend.change_sets.values()
        if cs.change_set_name == name_or_arn and stack_name in (None, cs.stack_name, cs.stack_id)
    ]
    return matches[-1] if matches else None


def roll_back(stack: Any) -> str:
    """Delete what a failed create made; the status CloudFormation would then give the stack."""
    try:
        stack.resource_map.delete()
    except Exception:
        # As in CloudFormation: the stack says so, and `mlstack local` deletes it before deploying again.
        log.warning("rollback of %s left resources behind", stack.name, exc_info=True)
        return "ROLLBACK_FAILED"
    return "ROLLBACK_COMPLETE"


def install_stack_failure_reporting() -> None:
    from moto.cloudformation.exceptions import CloudFormationError, ValidationError
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.parsing import OutputMap

    execute_change_set = CloudFormationBackend.execute_change_set
    delete_stack = CloudFormationBackend.delete_stack

    def _message(action: str, error: Exception) -> str:
        return f"emulator: {action} failed: {type(error).__name__}: {error}"[:1000]

    # moto 5.2.5 answers a resource error inside ExecuteChangeSet with HTTP 500 (the CLI then reports an
    # XML parse error) and leaves the stack in REVIEW_IN_PROGRESS, where the next deploy waits forever.
    # Here the created resources are rolled back, the stack ends in ROLLBACK_COMPLETE (which the CLI knows
    # how to replace) and the error comes back as a readable ValidationError.
    #
    # moto 5.2.5 also keeps the outputs of the empty template a change-set stack starts with (only
    # UpdateStack rebuilds them), so a stack deployed by the CLI had no outputs: rebuilt here.
    def execute_change_set_reporting(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        # moto matches a change set by name across all stacks, and the CLI names every stack's alike.
        resolved = find_change_set(self, change_set_name, stack_name)
        try:
            execute_change_set(self, resolved.change_set_id if resolved else change_set_name, stack_name)
            stack = self.stacks[resolved.stack_id]
            stack._parse_template()
            stack.description = stack.template_dict.get("Description")
            stack.output_map = stack._create_output_map()
            # Outputs resolve lazily in moto; an unresolvable one must fail the deploy, not every later
            # DescribeStacks (it surfaced as HTTP 500 while serializing the answer).
            list(stack.output_map.values())
        except CloudFormationError:
            raise
        except Exception as error:
            log.warning("deploying %s failed", stack_name or change_set_name, exc_info=True)
            stack = self.stacks.get(resolved.stack_id) if resolved is not None else None
            if stack is not None:
                stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)
                stack.status = roll_back(stack) if resolved.change_set_type == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
                stack._add_stack_event(stack.status, resource_status_reason=_message("deploy", error))
            raise ValidationError(message=_message(f"deploying {stack_name or change_set_name}", error)) from error

    # moto 5.2.5 pops a stack before deleting its resources, so a failed delete made the stack vanish and left
    # its resources behind unseen. Here the stack stays, in DELETE_FAILED, and the error is reported.
    def delete_stack_reporting(self: Any, name_or_stack_id: str) -> None:
        stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None)
        try:
            delete_stack(self, name_or_stack_id)
        except CloudFormationError:
            raise
        except Exception as error:
            log.warning("deleting %s failed", name_or_stack_id, exc_info=True)
            if stack is not None:
                self.deleted_stacks.pop(stack.stack_id, None)
                self.stacks[stack.stack_id] = stack
                stack.status = "DELETE_FAILED"
                stack._add_stack_event("DELETE_FAILED", resource_status_reason=_message("delete", error))
            raise ValidationError(message=_message(f"deleting {name_or_stack_id}", error)) from error

    CloudFormationBackend.execute_change_set = execute_change_set_reporting  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = delete_stack_reporting  # type: ignore[method-assign]


def install_ssm_parameter_values() -> None:
    from moto.cloudformation.models import Stack

    # moto 5.2.5 reports (and reuses for UsePreviousValue) the resolved value of an
    # `AWS::SSM::Parameter::Value<...>` parameter instead of its SSM path, so an update that keeps the
    # previous value looked the AMI id up as a parameter name and failed. CloudFormation keeps the path.
    def stack_parameters(self: Any) -> dict[str, Any]:
        values = dict(self.resource_map.resolved_parameters)
        for key, slot in (self.template_dict.get("Parameters") or {}).items():
            if str(slot.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                raw = self.resource_map.input_parameters.get(key, slot.get("Default"))
                if raw is not None:
                    values[key] = raw
        return values

    # moto compares a change set's parameters with those the stack was created with, which the CLI never
    # passes (defaults): every update of a stack with parameters became a change. Compared with the
    # stack's effective values instead, an unchanged redeploy is "no changes", as in CloudFormation.
    def has_parameters(self: Any, other_parameters: dict[str, Any]) -> bool:
        current = stack_parameters(self)
        return all(current.get(key) == value for key, value in (other_parameters or {}).items())

    Stack.stack_parameters = property(stack_parameters)  # type: ignore[assignment,method-assign]
    Stack.has_parameters = has_parameters  # type: ignore[method-assign]


def install_change_sets_per_stack() -> None:
    from moto.cloudformation.exceptions import CloudFormationError
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult, EmptyResult

    class ChangeSetNotFound(CloudFormationError):
        code = "ChangeSetNotFoundException"

    def resolve(response: Any) -> str:
        name, stack = response._get_param("ChangeSetName"), response._get_param("StackName")
        found = find_change_set(response.cloudformation_backend, name, stack)
        if found is None:
            raise ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
        return found.change_set_id

    # moto 5.2.5 finds a change set by name alone, across stacks, and answers an unknown one with a
    # ValidationError. The CLI names every stack's change set `cdk-deploy-change-set`, deletes it, then
    # polls until DescribeChangeSet says ChangeSetNotFound: moto deleted another stack's change set and
    # kept describing one, so a redeploy of any stack the CLI cannot skip (SSM parameters) hung forever.
    def describe_change_set(self: Any) -> Any:
        return ActionResult(self.cloudformation_backend.describe_change_set(change_set_name=resolve(self)))

    def delete_change_set(self: Any) -> Any:
        self.cloudformation_backend.delete_change_set(change_set_name=resolve(self))
        return EmptyResult()

    CloudFormationResponse.describe_change_set = describe_change_set  # type: ignore[method-assign]
    CloudFormationResponse.delete_change_set = delete_change_set  # type: ignore[method-assign]
