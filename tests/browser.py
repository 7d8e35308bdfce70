"""Headless Chromium (Debian's package) driven over the DevTools protocol on a pipe.

`--remote-debugging-pipe` speaks the protocol on file descriptors 3 and 4 as NUL-separated
JSON, so the tests need no driver binary, no websocket library and no downloaded browser.
Outside CI a missing Chromium skips the test; under CI=true it fails it (.ci/run installs it).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# As root on a machine without a network: no sandbox, no GPU, no calls home.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


def chromium_path() -> str:
    """Chromium's executable; skips the test when missing, fails it under CI."""
    path = shutil.which("chromium")
    if path is None:
        message = "chromium not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


class Page:
    """One tab: navigate, evaluate JavaScript, wait for a condition, take a screenshot."""

    def __init__(self, process: subprocess.Popen, commands, replies) -> None:
        self._process = process
        self._commands = commands
        self._replies = replies
        self._buffer = b""
        self._next_id = 0
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]

    def _call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._commands.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._replies.fileno(), 1 << 16)
            if not chunk:
                raise RuntimeError(f"chromium exited ({self._process.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None) -> dict:
        return self._call(method, params, self._session)

    def evaluate(self, expression: str):
        """The JSON value of a JavaScript expression (awaited if it is a promise)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, width: int = 1280, height: int = 900) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'")

    def wait_for(self, expression: str, seconds: float = 30) -> None:
        """Poll until the expression is truthy; the bound only guards a broken page."""
        deadline = time.monotonic() + seconds
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {seconds}s: {expression}")
            time.sleep(0.2)

    def screenshot(self, path: Path, selector: str | None = None) -> None:
        """The viewport, or the whole element matching `selector` (even beyond the viewport)."""
        params: dict = {"format": "png"}
        if selector:
            box = self.evaluate(
                f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
                " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height,"
                " scale: 1}; })()"
            )
            params |= {"captureBeyondViewport": True, "clip": box}
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


@contextmanager
def chromium_page(executable: str) -> Iterator[Page]:
    """A fresh Chromium with an empty profile and one open tab; killed afterwards."""
    command_read, command_write = os.pipe()
    reply_read, reply_write = os.pipe()

    def wire_pipes() -> None:
        """In the child: the protocol reads fd 3 and writes fd 4. Copy both ends above 4
        first, since either pipe may itself be fd 3 or 4."""
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (command_read, reply_write)]
        os.dup2(high[0], 3)
        os.dup2(high[1], 4)

    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire_pipes,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(command_read)
        os.close(reply_write)
        with (
            os.fdopen(command_write, "wb", buffering=0) as commands,
            os.fdopen(reply_read, "rb", buffering=0) as replies,
        ):
            try:
                yield Page(process, commands, replies)
            finally:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
