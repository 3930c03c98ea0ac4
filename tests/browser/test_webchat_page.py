"""The chat page in a real browser: `mlstack local --keep` deploys the app into the emulator, `mlstack chat
--web` serves the page against it, and headless Chromium (Debian's package, driven by Playwright) talks to
the bot the way a user would. `make test-browser` runs this; it installs the browser when it is missing.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MLSTACK = [sys.executable, "-m", "mlstack"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Where the screenshot goes: the test's output folder (CI keeps it); `make test-browser` also points
# SCREENSHOT_COPY at docs/ when the README's picture is refreshed.
OUTPUT_DIR = Path(os.environ.get("MLSTACK_TEST_OUTPUT", ROOT / "cdk.local.out" / "browser"))

pytestmark = pytest.mark.browser

ENVIRONMENT = {**os.environ, "PYTHONUNBUFFERED": "1"}
# What `mlstack local --keep` prints for a second terminal: the run's credentials, then the chat command.
KEPT_LINE = (
    r"AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+) AWS_REGION=(\S+) \S+ chat --web --endpoint-url (http://\S+)"
)


@dataclass
class Running:
    process: subprocess.Popen[str]
    found: re.Match[str]
    output: list[str]
    reader: threading.Thread


def start_until(
    command: list[str], pattern: str, timeout: float, env: dict[str, str] | None = None, **kwargs: Any
) -> Running:
    """Start `command` in its own process group and read its output until a line matches `pattern`.

    A thread reads the output into a list (a select() on the pipe would miss lines that Python's buffered
    reader has already taken off it) and keeps reading after the match, so the pipe never fills up.
    """
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env or ENVIRONMENT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def read(stream: IO[str]) -> None:
        for line in stream:
            seen.append(line)
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        found = re.search(pattern, line)
        if found:
            return Running(process, found, seen, reader)
    stop(process)
    raise AssertionError(f"{' '.join(command)} never printed {pattern!r}:\n{''.join(seen)[-4000:]}")


def stop(process: subprocess.Popen[str], sig: int = signal.SIGINT) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@dataclass
class EmulatedApp:
    endpoint: str
    env: dict[str, str]  # the run's credentials and region, as the kept run printed them


@pytest.fixture(scope="module")
def emulated_app() -> Iterator[EmulatedApp]:
    """The whole app deployed into the emulator and kept running; yields its endpoint and the run's credentials."""
    running = start_until([*MLSTACK, "local", "--keep"], KEPT_LINE, timeout=900, stdin=subprocess.PIPE)
    key_id, secret, region, endpoint = running.found.groups()
    credentials = {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": region}
    yield EmulatedApp(endpoint, {**ENVIRONMENT, **credentials})
    # Enter ends the kept run: the command redeploys, destroys and checks for leftovers.
    assert running.process.stdin is not None
    running.process.stdin.write("\n")
    running.process.stdin.close()
    try:
        running.process.wait(timeout=600)
    except subprocess.TimeoutExpired:
        stop(running.process)
        raise
    running.reader.join(timeout=30)  # the last lines off the pipe
    output = "".join(running.output)
    assert running.process.returncode == 0, output[-4000:]
    assert re.search(r"leftovers:\s+0", output), output[-4000:]


@pytest.fixture(scope="module")
def chat_page(emulated_app: EmulatedApp) -> Iterator[str]:
    """`mlstack chat --web --no-browser` against the emulator; yields the page URL with its token."""
    running = start_until(
        [*MLSTACK, "chat", "--web", "--no-browser", "--endpoint-url", emulated_app.endpoint],
        r"(http://127\.0\.0\.1:\d+/\?token=\S+)",
        timeout=120,
        env=emulated_app.env,
    )
    yield running.found.group(1)
    stop(running.process)
    assert running.process.returncode is not None


@pytest.fixture(scope="module")
def page(chat_page: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        # Short enough that the transcript outgrows the window after a few turns (the composer then covers
        # its end unless the page scrolls the newest reply above it).
        page = browser.new_page(viewport={"width": 900, "height": SHORT_WINDOW})
        page.goto(chat_page)
        yield page
        browser.close()


SHORT_WINDOW = 640
# The reply's box lies inside the window and ends above the sticky composer.
ABOVE_COMPOSER = """item => {
  const reply = item.getBoundingClientRect();
  const composer = document.getElementById("composer").getBoundingClientRect();
  return reply.top >= 0 && reply.bottom <= composer.top;
}"""


def assert_fully_visible(page: Any, reply: Any) -> None:
    """The newest reply is fully visible, not under the composer (waits for the page's scroll, then checks)."""
    page.wait_for_function(ABOVE_COMPOSER, arg=reply.element_handle(), timeout=10_000)
    box, composer = reply.bounding_box(), page.locator("#composer").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= composer["y"], (box, composer)


def say(page: Any, text: str) -> Any:
    """Send one message through the page's form; returns the bot's reply element once it has rendered."""
    before = page.locator("#transcript li.bot").count()
    page.fill("#say", text)
    page.press("#say", "Enter")
    reply = page.locator("#transcript li.bot").nth(before)
    reply.locator("p.intent").wait_for(timeout=60_000)
    return reply


def test_the_page_chats_with_the_emulated_bot_and_shows_images_audio_and_languages(page: Any) -> None:
    help_reply = say(page, "help")
    assert help_reply.locator("p.intent").inner_text().startswith("Help: ")
    assert_fully_visible(page, help_reply)
    assert "I can:" in help_reply.locator("p.message").first.inner_text()

    describe = say(page, "describe house")
    assert describe.locator("p.intent").inner_text().startswith("DescribeImage: Fulfilled")
    image = describe.locator("img.thumbnail")
    assert image.count() == 1
    assert image.get_attribute("src").startswith("/api/object?")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert_fully_visible(page, describe)

    translate = say(page, "translate good night to French")
    assert translate.locator("p.intent").inner_text().startswith("TranslateText: Fulfilled")
    assert "fr" in translate.locator("p.translation").inner_text()
    assert_fully_visible(page, translate)

    speak = say(page, "say good morning")
    assert speak.locator("p.intent").inner_text().startswith("Speak: Fulfilled")
    audio = speak.locator("audio.speech")
    assert audio.get_attribute("src").startswith("/api/object?")
    served = page.request.get(urljoin(page.url, audio.get_attribute("src")))
    assert served.status == 200 and served.headers["content-type"] == "audio/mpeg"
    assert served.headers["content-security-policy"] == "sandbox"
    assert_fully_visible(page, speak)
    assert page.evaluate("window.scrollY") > 0  # the transcript did outgrow the window: the scroll was needed

    page.set_viewport_size({"width": 900, "height": 1400})  # the whole transcript in the screenshot

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    page.locator("main").screenshot(path=str(OUTPUT_DIR / "webchat.png"))
    copy = os.environ.get("SCREENSHOT_COPY")
    if copy:
        shutil.copyfile(OUTPUT_DIR / "webchat.png", copy)
    assert (OUTPUT_DIR / "webchat.png").stat().st_size > 10_000


def test_the_server_refuses_a_foreign_origin_and_a_missing_token(chat_page: str) -> None:
    base, token = chat_page.split("/?token=")
    say_url = f"{base}/api/say"
    body = {"text": "help"}
    headers = {"X-Mlstack-Token": token}
    assert requests.post(say_url, json=body, headers=headers, timeout=30).status_code == 200
    foreign = requests.post(say_url, json=body, headers={**headers, "Origin": "https://evil.example"}, timeout=30)
    assert foreign.status_code == 403
    # No token, or another run's token: 401, the page's URL carries the right one.
    assert requests.post(say_url, json=body, timeout=30).status_code == 401
    wrong = requests.post(say_url, json=body, headers={"X-Mlstack-Token": token[::-1]}, timeout=30)
    assert wrong.status_code == 401
    rebound = requests.post(say_url, json=body, headers={**headers, "Host": "evil.example"}, timeout=30)
    assert rebound.status_code == 403


def test_the_kept_emulator_answers_only_the_run_credentials_and_no_web_page(emulated_app: EmulatedApp) -> None:
    """The emulator `mlstack local --keep` leaves running: refused unsigned, with the old fixed dummy key,
    from a foreign Origin or Host; the printed credentials work."""
    import boto3
    from botocore.exceptions import ClientError

    def sts(key_id: str, secret: str) -> Any:
        return boto3.client(
            "sts",
            endpoint_url=emulated_app.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
        )

    env = emulated_app.env
    assert sts(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]).get_caller_identity()["Account"]
    with pytest.raises(ClientError, match="AccessDenied"):
        sts("testing", "testing").get_caller_identity()
    assert requests.get(f"{emulated_app.endpoint}/", timeout=30).status_code == 403
    signed = {"Authorization": f"AWS4-HMAC-SHA256 Credential={env['AWS_ACCESS_KEY_ID']}/20261204/us-east-1/s3/x"}
    assert requests.get(f"{emulated_app.endpoint}/", headers=signed, timeout=30).status_code == 200
    for hostile in ({"Origin": "http://evil.example"}, {"Host": "evil.example"}):
        answer = requests.get(f"{emulated_app.endpoint}/", headers={**signed, **hostile}, timeout=30)
        assert answer.status_code == 403 and "Access-Control-Allow-Origin" not in answer.headers
