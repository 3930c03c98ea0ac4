"""SageMaker runtime InvokeEndpoint on a script-mode model (PyTorch Deep Learning Container): the model's own
inference code answers, run in this process.

A model whose container environment names SAGEMAKER_PROGRAM is a script-mode model. Its serving container
unpacks ModelDataUrl (model.tar.gz) to /opt/ml/model, imports SAGEMAKER_PROGRAM from SAGEMAKER_SUBMIT_DIRECTORY
(/opt/ml/model/code, or an s3:// source archive) and answers each request as the sagemaker-inference toolkit's
transformer does: model_fn(model_dir) once, then transform_fn(model, body, content_type, accept) if the script
defines it, else input_fn, predict_fn and output_fn; a missing or `*/*` Accept becomes
SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT (default application/json). The emulator does the same here: the archive is
read from the emulated S3, unpacked once per URL and ETag (a new upload to the same key is loaded afresh) into a
folder removed at exit, and the script imported as a module of its own with its folder on sys.path.

Errors as SageMaker reports them: the toolkit answers a handler's BaseInferenceToolkitError with its status code
(any other exception with 500), and the runtime turns the container's error into ModelError (HTTP 424) with
OriginalStatusCode and OriginalMessage. What only the emulator can lack, a package the script imports (torch:
`make test-ml` installs it), the model archive or a handler, is a ModelError that says so.

Not emulated: the toolkit's default handlers (a script must define model_fn, and input_fn, predict_fn and
output_fn or transform_fn), code/requirements.txt (not installed: the script runs with this Python's packages),
production variant weights (the endpoint's first variant answers), and one process per model (scripts share
this process, so two models' sibling modules of the same name would meet).
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import io
import shutil
import sys
import tarfile
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

from mlstack.emulator.wsgi import WSGIApp, json_response

PROGRAM = "SAGEMAKER_PROGRAM"
SUBMIT_DIRECTORY = "SAGEMAKER_SUBMIT_DIRECTORY"
DEFAULT_ACCEPT = "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"
MODEL_DIR = "/opt/ml/model"
DEFAULT_SUBMIT_DIRECTORY = f"{MODEL_DIR}/code"
JSON = "application/json"
# The toolkit's own error class; inference scripts define a stand-in of that name where the toolkit is absent.
TOOLKIT_ERROR = "BaseInferenceToolkitError"
ML_PACKAGES = "`make test-ml`'s packages (requirements-ml.txt: torch, numpy)"


@dataclass(frozen=True)
class Container:
    """What serving a variant needs: its endpoint and variant names, the model's archive and environment."""

    endpoint: str
    variant: str
    model_data_url: str
    environment: dict[str, str]


@dataclass(frozen=True)
class LoadedModel:
    """A script imported and its model_fn's result, for one archive (URL and ETag)."""

    module: ModuleType
    model: Any
    model_dir: Path


class ModelFailure(Exception):
    """The container's answer to a request it could not serve: its HTTP status and body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def script_mode_container(backend: Any, name: str) -> Container | None:
    """The endpoint's first variant's model container when it is a script-mode model, else None.

    moto 5.2.5 keeps endpoints, endpoint configs and models in `endpoints`, `endpoint_configs` and `_models`,
    the containers in the API's shape (PrimaryContainer, or the first of Containers).
    """
    endpoint = backend.endpoints.get(name)
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name) if endpoint else None
    variants = config.production_variants if config else []
    if not variants:
        return None
    model = backend._models.get(variants[0].get("ModelName", ""))
    if model is None:
        return None
    container = model.primary_container or (model.containers[0] if model.containers else None) or {}
    environment = {str(k): str(v) for k, v in (container.get("Environment") or {}).items()}
    if not environment.get(PROGRAM):
        return None
    return Container(name, str(variants[0].get("VariantName", "AllTraffic")), str(container.get("ModelDataUrl", "")),
                     environment)  # fmt: skip


def split_s3_url(url: str) -> tuple[str, str] | None:
    if not url.startswith("s3://") or "/" not in url[5:]:
        return None
    bucket, key = url[5:].split("/", 1)
    return (bucket, key) if bucket and key else None


class ModelHost:
    """Loads script-mode models from the emulated S3 (`read_object(bucket, key) -> (bytes, etag) | None`) and
    serves requests through their handlers; one per emulator process."""

    def __init__(self, read_object: Callable[[str, str], tuple[bytes, str] | None]) -> None:
        self._read_object = read_object
        self._loaded: dict[tuple[str, str], LoadedModel] = {}
        self._lock = threading.Lock()
        self._root: Path | None = None

    # ---- loading

    def _folder(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="mlstack-emulated-models-"))
            atexit.register(shutil.rmtree, self._root, True)
        return Path(tempfile.mkdtemp(dir=self._root))

    def _archive(self, url: str, what: str) -> tuple[bytes, str]:
        location = split_s3_url(url)
        found = self._read_object(*location) if location else None
        if found is None:
            raise ModelFailure(500, f"{what} {url!r}: no such object in the emulator's S3")
        return found

    @staticmethod
    def _unpack(data: bytes, url: str, folder: Path) -> Path:
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
                # The "data" filter refuses absolute paths, links out of the folder and device files.
                archive.extractall(folder, filter="data")
        except (tarfile.TarError, OSError) as error:
            raise ModelFailure(500, f"{url}: not a readable tar archive ({error})") from None
        return folder

    def load(self, container: Container) -> LoadedModel:
        """The container's model, loaded on first use of its archive's URL and ETag (once, whatever the threads)."""
        data, etag = self._archive(container.model_data_url, "ModelDataUrl")
        key = (container.model_data_url, etag)
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = self._load(container, data)
            return self._loaded[key]

    def _code_folder(self, container: Container, model_dir: Path, scratch: Path) -> Path:
        submit = container.environment.get(SUBMIT_DIRECTORY) or DEFAULT_SUBMIT_DIRECTORY
        if submit.startswith("s3://"):
            data, _ = self._archive(submit, SUBMIT_DIRECTORY)
            return self._unpack(data, submit, scratch / "sourcedir")
        if submit == MODEL_DIR or submit.startswith(f"{MODEL_DIR}/"):
            return model_dir / submit[len(MODEL_DIR) :].lstrip("/")
        raise ModelFailure(500, f"{SUBMIT_DIRECTORY}={submit!r}: the emulator serves code under {MODEL_DIR}/ or s3://")

    def _load(self, container: Container, data: bytes) -> LoadedModel:
        """Unpack, import and model_fn; a failure leaves nothing behind (folder, module, path entry)."""
        scratch = self._folder()
        try:
            return self._import(container, self._unpack(data, container.model_data_url, scratch / "model"), scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise

    def _import(self, container: Container, model_dir: Path, scratch: Path) -> LoadedModel:
        program = container.environment[PROGRAM]
        script = self._code_folder(container, model_dir, scratch) / program
        if not script.is_file():
            raise ModelFailure(500, f"{PROGRAM}={program!r}: no such file in the model's code folder")
        name = f"mlstack_emulated_model_{hashlib.sha256(str(scratch).encode()).hexdigest()[:12]}"
        spec = importlib.util.spec_from_file_location(name, script)
        assert spec is not None and spec.loader is not None  # a .py file always has a spec
        module = importlib.util.module_from_spec(spec)
        # The serving container puts the code folder on the path (the script's sibling modules), and a module
        # must be in sys.modules while it runs (dataclasses look their module up there).
        sys.path.insert(0, str(script.parent))
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
            if not callable(getattr(module, "model_fn", None)):
                raise ModelFailure(500, f"{program} defines no model_fn: the emulator has no default handlers")
            model = module.model_fn(str(model_dir))
        except BaseException as error:
            sys.modules.pop(name, None)
            sys.path.remove(str(script.parent))
            if isinstance(error, ModelFailure | KeyboardInterrupt | SystemExit):
                raise
            if isinstance(error, ModuleNotFoundError):
                raise ModelFailure(500, _missing_package(program, error)) from None
            raise ModelFailure(500, f"loading the model failed: {_one_line(error)}\n{traceback.format_exc()}") from None
        return LoadedModel(module, model, model_dir)

    # ---- serving

    def invoke(self, container: Container, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        """The container's answer (body, content type) to one request; ModelFailure when it answers an error."""
        loaded = self.load(container)
        if not accept or accept == "*/*":
            accept = container.environment.get(DEFAULT_ACCEPT) or JSON
        module = loaded.module
        try:
            if callable(getattr(module, "transform_fn", None)):
                result = module.transform_fn(loaded.model, body, content_type, accept)
            else:
                handlers = ("input_fn", "predict_fn", "output_fn")
                missing = [name for name in handlers if not callable(getattr(module, name, None))]
                if missing:
                    raise ModelFailure(500, f"the script defines no {', '.join(missing)}: the emulator has no defaults")
                data = module.input_fn(body, content_type)
                result = module.output_fn(module.predict_fn(data, loaded.model), accept)
        except ModelFailure:
            raise
        except ModuleNotFoundError as error:
            raise ModelFailure(500, _missing_package(container.environment[PROGRAM], error)) from None
        except Exception as error:
            status = _toolkit_status(error)
            # The toolkit answers the error's message, then the traceback.
            message = str(getattr(error, "message", "") or error) if status != 500 else _one_line(error)
            raise ModelFailure(status, f"{message}\n{traceback.format_exc()}") from None
        # The toolkit also accepts (body, content type) from the handlers, for backward compatibility.
        answer, answer_type = result if isinstance(result, tuple) else (result, accept)
        return (answer.encode() if isinstance(answer, str) else bytes(answer)), str(answer_type)


def _toolkit_status(error: BaseException) -> int:
    """The status the toolkit answers: a BaseInferenceToolkitError's own (by name: scripts define a stand-in
    where the toolkit is absent), else 500."""
    is_toolkit = any(cls.__name__ == TOOLKIT_ERROR for cls in type(error).__mro__)
    status = getattr(error, "status_code", None)
    return status if is_toolkit and isinstance(status, int) and 400 <= status <= 599 else 500


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _missing_package(program: str, error: ModuleNotFoundError) -> str:
    return (
        f"{program} imports {error.name!r}, which the emulator's Python lacks: the emulator runs the model's "
        f"inference code in its own process, so it needs {ML_PACKAGES}; run `make test-ml` once"
    )


def model_error(container: Container, region: str, account: str, failure: ModelFailure) -> WSGIApp:
    """SageMaker runtime's ModelError (HTTP 424) for a container that answered `failure`."""
    kind = "client" if failure.status < 500 else "server"
    group = f"/aws/sagemaker/Endpoints/{container.endpoint}"
    message = (
        f'Received {kind} error ({failure.status}) from primary with message "{failure.message}". See '
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logEventViewer:group={group} "
        f"in account {account} for more information."
    )
    body = {
        "message": message,
        "OriginalStatusCode": failure.status,
        "OriginalMessage": failure.message,
        "LogStreamArn": f"arn:aws:logs:{region}:{account}:log-group:{group}",
    }
    return json_response(424, body, error="ModelError")  # 424 Failed Dependency, as the runtime answers


def answer(container: Container, body: bytes, content_type: str) -> WSGIApp:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("x-Amzn-Invoked-Production-Variant", container.variant),
        ]
        start_response(f"200 {HTTPStatus.OK.phrase}", headers)
        return [body]

    return app
