"""The emulator's front, against the emulator as `mlstack local --keep` starts it (its own process, the run's
credentials handed over): hostile requests sent raw over a socket are refused with 403, while the SDK signed
with the run's credentials (and its presigned URLs) keeps working and no answer carries CORS headers."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotoCredentials
from botocore.exceptions import ClientError

from mlstack.emulator.front import Credentials, Front, signed_key_ids
from mlstack.local import account, emulator_process

REGION = "us-east-1"
BUCKET = "front-data"
FUNCTION = "front-fulfillment"
OTHER = Credentials.issue()  # another run's (or a guesser's) credentials


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The emulator process of `mlstack local`, with a bucket and a function in it; yields its port."""
    process = emulator_process.Emulator(tmp_path_factory.mktemp("front") / "emulator.log")
    process.start()
    try:
        running = int(urlsplit(process.endpoint).port or 0)
        s3 = client("s3", running)
        s3.create_bucket(Bucket=BUCKET)
        role = client("iam", running).create_role(RoleName="front", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        client("lambda", running).create_function(
            FunctionName=FUNCTION,
            Runtime="python3.11",
            Role=role,
            Handler="h.h",
            Code={"ZipFile": b"PK\x05\x06" + bytes(18)},
        )
        yield running
    finally:
        process.stop()


def client(service: str, port: int, credentials: Credentials | None = None, **config: str) -> Any:
    credentials = credentials or account.run_credentials()
    return boto3.client(
        service,
        endpoint_url=f"http://localhost:{port}",
        region_name=REGION,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        config=Config(s3=config, retries={"max_attempts": 1}),
    )


def signature(method: str, path: str, service: str, credentials: Credentials) -> dict[str, str]:
    """The headers botocore signs a request with (SigV4, `credentials`)."""
    request = AWSRequest(method=method, url=f"http://localhost{path}")
    SigV4Auth(BotoCredentials(credentials.access_key_id, credentials.secret_access_key), service, REGION).add_auth(
        request
    )
    return {name: value for name, value in request.headers.items() if name in ("Authorization", "X-Amz-Date")}


def send_raw(port: int, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> tuple[int, str]:
    """One HTTP/1.1 request written byte for byte on a socket (repeated or missing headers as given); the
    status and the raw head of the answer."""
    lines = [f"{method} {path} HTTP/1.1", *(f"{name}: {value}" for name, value in headers)]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return int(head.split()[1]), head


def run_signed(method: str, path: str, service: str) -> list[tuple[str, str]]:
    return list(signature(method, path, service, account.run_credentials()).items())


LIST_FUNCTIONS = "/2015-03-31/functions/"


@pytest.mark.parametrize(
    ("name", "request_of"),
    [
        # DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 lists the functions
        ("rebound Host", lambda p: ("GET", LIST_FUNCTIONS, [("Host", f"evil.example:{p}")], "lambda")),
        (
            "foreign Origin",
            lambda p: ("GET", "/", [("Host", f"localhost:{p}"), ("Origin", "http://evil.example")], "s3"),
        ),
        (
            "local Origin",
            lambda p: ("GET", "/", [("Host", f"localhost:{p}"), ("Origin", f"http://localhost:{p}")], "s3"),
        ),
        ("another port", lambda p: ("GET", "/", [("Host", f"localhost:{p + 1}")], "s3")),
        ("repeated Host", lambda p: ("GET", "/", [("Host", f"localhost:{p}"), ("Host", f"localhost:{p}")], "s3")),
        ("no Host", lambda p: ("GET", "/", [], "s3")),
        (
            "CORS preflight",
            lambda p: (
                "OPTIONS",
                "/",
                [
                    ("Host", f"localhost:{p}"),
                    ("Origin", "http://evil.example"),
                    ("Access-Control-Request-Method", "PUT"),
                ],
                "s3",
            ),
        ),
    ],
)
def test_a_request_from_a_web_page_is_refused_even_when_signed(
    port: int, name: str, request_of: Callable[[int], tuple[str, str, list[tuple[str, str]], str]]
) -> None:
    method, path, headers, service = request_of(port)
    status, head = send_raw(port, method, path, [*headers, *run_signed(method, path, service)])
    assert status == 403, (name, head)
    assert "access-control-allow-origin" not in head.lower(), name


def test_an_unsigned_request_or_another_key_is_refused(port: int) -> None:
    host = [("Host", f"localhost:{port}")]
    assert send_raw(port, "GET", "/", host)[0] == 403  # a local user listing the buckets
    assert send_raw(port, "GET", LIST_FUNCTIONS, host)[0] == 403
    other = list(signature("GET", "/", "s3", OTHER).items())
    assert send_raw(port, "GET", "/", [*host, *other])[0] == 403
    # a presigned URL of another key, and one naming the run's key in the header but another in the query
    presigned = client("s3", port, OTHER).generate_presigned_url("list_buckets")
    query = urlsplit(presigned).query
    assert send_raw(port, "GET", f"/?{query}", host)[0] == 403
    assert send_raw(port, "GET", f"/?{query}", [*host, *run_signed("GET", "/", "s3")])[0] == 403


def test_a_form_upload_from_a_foreign_page_writes_nothing(port: int) -> None:
    """What a plain multipart form POST from another site sends to the data bucket."""
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nplanted.txt\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\nplanted\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    headers = [
        ("Host", f"{BUCKET}.localhost:{port}"),
        ("Origin", "http://evil.example"),
        ("Content-Type", f"multipart/form-data; boundary={boundary}"),
    ]
    assert send_raw(port, "POST", "/", headers, body)[0] == 403
    assert send_raw(port, "POST", "/", headers[:1] + headers[2:], body)[0] == 403  # no Origin, still unsigned
    assert "Contents" not in client("s3", port).list_objects_v2(Bucket=BUCKET)


def test_the_function_code_cannot_be_replaced_through_a_rebound_name(port: int) -> None:
    path = f"/2015-03-31/functions/{FUNCTION}/code"
    headers = [("Host", f"evil.example:{port}"), ("Content-Type", "application/json")]
    body = b'{"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}'
    assert send_raw(port, "PUT", path, headers, body)[0] == 403
    assert send_raw(port, "PUT", path, [*headers, *run_signed("PUT", path, "lambda")], body)[0] == 403
    code = client("lambda", port).get_function(FunctionName=FUNCTION)["Configuration"]
    assert code["CodeSize"] == 22  # the zip it was created with


def test_the_sdk_with_the_run_credentials_works_and_gets_no_cors_headers(port: int) -> None:
    s3 = client("s3", port)
    s3.put_object(Bucket=BUCKET, Key="ok.txt", Body=b"fine")
    assert s3.get_object(Bucket=BUCKET, Key="ok.txt")["Body"].read() == b"fine"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    # A presigned URL of the run's key, virtual-hosted (<bucket>.localhost: glibc does not resolve it, so raw)
    virtual = client("s3", port, addressing_style="virtual")
    parts = urlsplit(virtual.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "ok.txt"}))
    assert parts.netloc == f"{BUCKET}.localhost:{port}"
    status, head = send_raw(port, "GET", f"{parts.path}?{parts.query}", [("Host", parts.netloc)])
    assert status == 200, head
    status, head = send_raw(port, "GET", "/", [("Host", f"127.0.0.1:{port}"), *run_signed("GET", "/", "s3")])
    assert status == 200, head
    # moto adds `Access-Control-Allow-Origin: *` to every answer unless MOTO_DISABLE_GLOBAL_CORS was set
    assert "access-control" not in head.lower()


def test_credentials_moto_issued_to_the_run_work_and_its_example_key_does_not(port: int) -> None:
    """The CDK CLI assumes the bootstrap roles with the run's key and goes on with the assumed credentials;
    GetSessionToken's key is the same documented example for every caller, so it opens nothing."""
    role = client("iam", port).create_role(RoleName="deployer", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    assumed = client("sts", port).assume_role(RoleArn=role, RoleSessionName="cdk")["Credentials"]
    as_role = Credentials(assumed["AccessKeyId"], assumed["SecretAccessKey"])
    assert as_role.access_key_id != account.run_credentials().access_key_id
    assert client("sts", port, as_role).get_caller_identity()["Arn"].endswith(":assumed-role/deployer/cdk")
    example = client("sts", port).get_session_token()["Credentials"]
    refused = Credentials(example["AccessKeyId"], example["SecretAccessKey"])
    with pytest.raises(ClientError, match=r"AccessDenied.*another access key id"):
        client("sts", port, refused).get_caller_identity()
    # each protocol's SDK reads the refusal as an error with its reason, never as a parse failure
    with pytest.raises(ClientError, match=r"AccessDenied.*another access key id"):
        client("s3", port, OTHER).list_buckets()
    with pytest.raises(ClientError, match=r"AccessDenied.*another access key id"):
        client("lambda", port, OTHER).list_functions()
    with pytest.raises(ClientError, match=r"AccessDenied.*another access key id"):
        client("dynamodb", port, OTHER).list_tables()


def test_the_key_ids_a_request_names_are_all_checked() -> None:
    header = "AWS4-HMAC-SHA256 Credential=AKIAONE/20261204/us-east-1/s3/aws4_request, SignedHeaders=host"
    environ = {"HTTP_AUTHORIZATION": header, "QUERY_STRING": "X-Amz-Credential=AKIATWO%2F20261204%2Fus-east-1"}
    assert signed_key_ids(environ) == ["AKIAONE", "AKIATWO"]
    assert signed_key_ids({"HTTP_AUTHORIZATION": "AWS AKIAOLD:c2lnbmF0dXJl"}) == ["AKIAOLD"]
    front = Front(lambda environ, start: [], Credentials("AKIAONE", "s"), port=8000)
    assert front.refusal({**environ, "HTTP_HOST": "localhost:8000"}) is not None  # one of two is another key
    assert front.refusal({"HTTP_HOST": "bucket.LOCALHOST:8000", "HTTP_AUTHORIZATION": header}) is None
    assert front.refusal({"HTTP_HOST": "[::1]:8000", "HTTP_AUTHORIZATION": header}) is None
    assert front.refusal({"HTTP_HOST": "localhost.evil.example:8000", "HTTP_AUTHORIZATION": header}) is not None
