#!/usr/bin/python3
"""Drives the admin dashboard in headless Chromium for quikedge's integration tests.

Acting on the page needs more than --dump-dom: this script starts Chromium with
--remote-debugging-pipe (the DevTools protocol over fds 3 and 4, so no port to pick
and nothing else on the machine can connect), loads the page and runs steps that
type, click and answer dialogs as an operator would. The C++ tests run it as a
child process and read the JSON it prints on stdout, one object per line.

  dashboard_driver.py --url URL --steps JSON [--timeout S] [--chromium PATH]

Steps (a JSON array); each prints {"step": i, "name": ..., "do": ..., "value": ...}
(a step's optional "name" is echoed, for the test to find its value):
  {"do": "wait", "js": EXPR, "timeout": S}   evaluates EXPR until it is truthy
                                            (default 15 s); value: its last value.
                                            Truthy as its JSON value is in Python:
                                            an element comes back as {}, so use !!
  {"do": "eval", "js": EXPR}                value: EXPR's value
  {"do": "type", "selector": SEL, "text": T}  focuses the element, empties it and
                                            types T (Input.insertText: input events
                                            as from a keyboard)
  {"do": "select", "selector": SEL, "value": V}  picks an option, then fires the
                                            input and change events a user would
  {"do": "click", "selector": SEL}          a real mouse click in the element's
                                            middle (a disabled button ignores it);
                                            value: {"disabled": bool}
  {"do": "dialogs", "accept": BOOL}         how to answer alert/confirm dialogs from
                                            now on (default: dismiss)
  {"do": "http", "method": M, "path": P, "body": B, "token": T}
                                            a call of the test's own to the page's
                                            origin; value: {"status", "body"}
  {"do": "stub", "path": P, "status": N, "body": B}
                                            from now on the page's requests whose URL
                                            holds P get this answer (JSON) instead of
                                            the proxy's (Fetch domain); for states a
                                            single process cannot show
  {"do": "console", "contains": T, "timeout": S}  waits until a console or log
                                            error holds T; value: that entry
  {"do": "navigate", "url": URL}            loads another page
  {"do": "frame", "src": URL}               serves a page of another origin (this
                                            script's own loopback port) that frames
                                            URL, and loads it; value: its address
  {"do": "reload"}                          reloads the page
  {"do": "screenshot", "path": FILE}        writes a PNG of the viewport

Every dialog prints {"dialog": TYPE, "message": TEXT, "accepted": BOOL}. The last line
is {"done": true, "console": [...]}: the console errors, uncaught exceptions and
browser log errors (a CSP refusal shows up there). A failing step prints
{"error": TEXT, "step": i} and the script exits 1; it gives up after --timeout
seconds in all (exit 2). Every wait polls with a deadline.
"""

import argparse
import base64
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading
import urllib.error
import urllib.parse
import urllib.request


class StepFailed(Exception):
    pass


def emit(obj):
    print(json.dumps(obj), flush=True)


class Browser:
    """One headless Chromium and the DevTools session of its one page."""

    def __init__(self, chromium, deadline):
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix="quikedge-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4.
        keep = {3: to_chrome_r, 4: from_chrome_w}
        high = {n: fcntl_dup_high(fd) for n, fd in keep.items()}
        for fd in keep.values():
            os.close(fd)

        def child_fds():
            for n, fd in high.items():
                os.dup2(fd, n)
            # Chromium dies with this script, however it ends (even SIGKILL).
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--user-data-dir=" + self.profile,
             "--window-size=1280,1000", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=child_fds)
        for fd in high.values():
            os.close(fd)
        self.next_id = 0
        self.buffer = b""
        self.session = None
        self.accept_dialogs = False
        self.console = []
        self.stubs = []

    # ---- the protocol --------------------------------------------------------

    def send(self, method, params=None, session=True):
        """`session`: True for the page's, False for the browser's, or a session id."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if isinstance(session, str):
            message["sessionId"] = session
        elif session and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.to_chrome, data):]
        return self.next_id

    def call(self, method, params=None, session=True, timeout=20):
        """Sends a command and waits for its answer, handling events meanwhile (a
        click that opens a confirm() only answers once the dialog is)."""
        wanted = self.send(method, params, session)
        until = min(self.deadline, time.monotonic() + timeout)
        while True:
            message = self.receive(until)
            if message is None:
                raise StepFailed("no answer to " + method + " in time")
            if message.get("id") == wanted:
                if "error" in message:
                    raise StepFailed(method + ": " + json.dumps(message["error"]))
                return message.get("result", {})
            self.on_event(message)

    def receive(self, until):
        while b"\0" not in self.buffer:
            left = until - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise StepFailed("Chromium closed the DevTools pipe (exit %s)" % self.proc.poll())
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def pump(self, seconds):
        """Handles events for up to `seconds` (the pause between two polls)."""
        until = min(self.deadline, time.monotonic() + seconds)
        while time.monotonic() < until:
            message = self.receive(until)
            if message is None:
                return
            self.on_event(message)

    def on_event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Page.javascriptDialogOpening":
            emit({"dialog": params.get("type"), "message": params.get("message"),
                  "accepted": self.accept_dialogs})
            self.send("Page.handleJavaScriptDialog", {"accept": self.accept_dialogs})
        elif method == "Target.attachedToTarget":
            # A frame of another site runs in its own process, as a target of its own
            # (auto-attached, paused until told to run): its console counts too.
            child = params["sessionId"]
            for command in ("Runtime.enable", "Log.enable", "Runtime.runIfWaitingForDebugger"):
                self.send(command, session=child)
        elif method == "Fetch.requestPaused":
            self.answer_paused(params)
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.console.append("exception: " + str(text))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.console.append("console.error: " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                self.console.append(entry.get("source", "log") + ": " + entry.get("text", ""))

    def answer_paused(self, params):
        url = params.get("request", {}).get("url", "")
        for stub in self.stubs:
            if stub["path"] in url:
                body = json.dumps(stub["body"]).encode()
                self.send("Fetch.fulfillRequest", {
                    "requestId": params["requestId"], "responseCode": stub.get("status", 200),
                    "responseHeaders": [{"name": "Content-Type", "value": "application/json"}],
                    "body": base64.b64encode(body).decode()})
                return
        self.send("Fetch.continueRequest", {"requestId": params["requestId"]})

    def stub(self, step):
        self.stubs.append(step)
        self.call("Fetch.enable", {"patterns": [{"urlPattern": "*" + s["path"] + "*"}
                                                for s in self.stubs]})

    def wait_console(self, text, timeout):
        until = min(self.deadline, time.monotonic() + timeout)
        while True:
            found = [entry for entry in self.console if text in entry]
            if found:
                return found[0]
            if time.monotonic() >= until:
                raise StepFailed("no console entry with %r after %s s: %s"
                                 % (text, timeout, json.dumps(self.console)))
            self.pump(0.05)

    # ---- the page ------------------------------------------------------------

    def open(self, url):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")
        self.call("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True,
                                           "flatten": True})
        self.navigate(url)

    def navigate(self, url):
        self.call("Page.navigate", {"url": url})
        self.wait("document.readyState === 'complete' && location.href !== 'about:blank'", 15)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise StepFailed("evaluating %r: %s" % (expression, details.get("exception", {})
                                                    .get("description", details.get("text"))))
        return result.get("result", {}).get("value")

    def wait(self, expression, timeout):
        until = min(self.deadline, time.monotonic() + timeout)
        value = None
        while True:
            try:
                value = self.evaluate(expression)
            except StepFailed:
                value = None  # e.g. evaluated while the page navigates
            if value:
                return value
            if time.monotonic() >= until:
                raise StepFailed("%r still %s after %s s" % (expression, json.dumps(value), timeout))
            self.pump(0.05)

    def element(self, selector, body):
        """Runs `body` (JS using `el`) on the element `selector` names; fails if there
        is none or it is not rendered (an operator could not reach it either)."""
        return self.evaluate("(() => { const el = document.querySelector(%s); "
                             "if (!el) throw new Error('no element ' + %s); "
                             "if (!el.getClientRects().length) throw new Error('not visible: ' + %s); "
                             "%s })()"
                             % (json.dumps(selector), json.dumps(selector), json.dumps(selector),
                                body))

    def type(self, selector, text):
        # Emptied as select-all + delete would: with its input event, in one go, so
        # that the page sees an edit before anything else can refill the field.
        self.element(selector, "el.focus(); el.value = ''; "
                               "el.dispatchEvent(new Event('input', {bubbles: true})); "
                               "return true;")
        if text:
            self.call("Input.insertText", {"text": text})

    def select(self, selector, value):
        self.element(selector, "el.focus(); el.value = %s; "
                               "el.dispatchEvent(new Event('input', {bubbles: true})); "
                               "el.dispatchEvent(new Event('change', {bubbles: true})); "
                               "return el.value;" % json.dumps(value))

    def click(self, selector):
        box = self.element(selector, "el.scrollIntoView({block: 'center'}); "
                                     "const r = el.getBoundingClientRect(); "
                                     "return {x: r.left + r.width / 2, y: r.top + r.height / 2, "
                                     "disabled: !!el.disabled};")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": box["x"], "y": box["y"]}
            if kind != "mouseMoved":
                params.update(button="left", clickCount=1)
            self.call("Input.dispatchMouseEvent", params)
        return {"disabled": box["disabled"]}

    def screenshot(self, path):
        shot = self.call("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        return path

    def close(self):
        try:
            if self.proc.poll() is None:
                self.send("Browser.close", session=False)
                self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.proc.poll() is None:
            self.proc.kill()  # our own child, by its PID
            self.proc.wait(timeout=10)
        for fd in (self.to_chrome, self.from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


def fcntl_dup_high(fd):
    """A copy of `fd` numbered 10 or more, so that dup2 onto 3 and 4 in the child
    cannot overwrite a descriptor still to be moved."""
    import fcntl
    return fcntl.fcntl(fd, fcntl.F_DUPFD, 10)


def serve_framing_page(src):
    """A page on 127.0.0.1 (another port, so another origin) that frames `src`: what
    a clickjacking site would do. Loopback, so Chromium's local network rules let it
    try; the server lives as long as this script."""
    page = ('<!doctype html><title>framing</title><iframe src="%s" width="900" '
            'height="600"></iframe>' % src.replace('"', "%22")).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/" else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d/" % server.server_address[1]


def http_call(base, step):
    """The test's own admin call (another operator, say), on the page's origin."""
    body = step.get("body")
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    request = urllib.request.Request(urllib.parse.urljoin(base, step["path"]), data=data,
                                     method=step.get("method", "GET"))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if step.get("token"):
        request.add_header("Authorization", "Bearer " + step["token"])
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return {"status": response.status, "body": response.read().decode()}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "body": error.read().decode()}


def run_step(browser, base, step):
    kind = step.get("do")
    if kind == "wait":
        return browser.wait(step["js"], step.get("timeout", 15))
    if kind == "eval":
        return browser.evaluate(step["js"])
    if kind == "type":
        browser.type(step["selector"], step.get("text", ""))
        return True
    if kind == "select":
        return browser.select(step["selector"], step["value"])
    if kind == "click":
        return browser.click(step["selector"])
    if kind == "dialogs":
        browser.accept_dialogs = bool(step.get("accept"))
        return browser.accept_dialogs
    if kind == "http":
        return http_call(base, step)
    if kind == "stub":
        browser.stub(step)
        return True
    if kind == "console":
        return browser.wait_console(step["contains"], step.get("timeout", 15))
    if kind == "frame":
        url = serve_framing_page(step["src"])
        browser.navigate(url)
        return url
    if kind == "navigate":
        browser.navigate(step["url"])
        return True
    if kind == "reload":
        browser.call("Page.reload", {"ignoreCache": True})
        browser.pump(0.1)
        return browser.wait("document.readyState === 'complete'", 15)
    if kind == "screenshot":
        return browser.screenshot(step["path"])
    raise StepFailed("unknown step %r" % kind)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--steps", required=True, help="a JSON array of steps")
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    steps = json.loads(args.steps)
    deadline = time.monotonic() + args.timeout
    browser = Browser(args.chromium, deadline)

    def give_up(*_):
        # The overall bound, even if Chromium stops answering altogether.
        emit({"error": "timed out", "console": browser.console})
        browser.proc.kill()
        shutil.rmtree(browser.profile, ignore_errors=True)
        os._exit(2)

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(int(args.timeout) + 15)
    index = -1
    try:
        browser.open(args.url)
        for index, step in enumerate(steps):
            value = run_step(browser, args.url, step)
            emit({"step": index, "name": step.get("name"), "do": step.get("do"), "value": value})
        emit({"done": True, "console": browser.console})
        return 0
    except StepFailed as failure:
        emit({"error": str(failure), "step": index, "console": browser.console})
        return 1
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
