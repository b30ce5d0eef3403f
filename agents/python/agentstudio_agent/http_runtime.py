"""HttpAgentRuntime: serves agent types over HTTP, without a Kafka client.

The orchestrator's side is reference 000's control plane: an `agentstudiod`
agent role with AGENTSTUDIO_HTTP_AGENT_TYPES naming these types consumes
their tasks and posts each to `<endpoint>/v1/tasks` of a live agent of the
type (agents/http_task_forwarder.hpp); the agent reports through the front
door's callback API (`/callbacks/v1/*`, docs/api.md) with credentials of
its own. The runtime

- listens on AGENTSTUDIO_AGENT_LISTEN (default 127.0.0.1:0, any free port)
  and names AGENTSTUDIO_AGENT_ENDPOINT (default the listening address) in
  its heartbeats, POST /callbacks/v1/heartbeat every AGENTSTUDIO_HEARTBEAT_MS
  with its types, capacity and load;
- answers a task 202 once it holds it (also when it is a repeat of one it
  runs), 200 for a repeat of one it finished, 429 at capacity and 503 while
  stopping (the forwarder tries another agent or later), 404 for an agent
  type it does not serve, 400 for a body it cannot read;
- reports progress 0 at the start, then what the handler reports (best
  effort: one try), then the completion or the error, retried until taken
  (connection errors, 5xx, 429; for at most a minute once stopping). Each
  report has an X-Idempotency-Key of its own that stays the same across its
  retries, so the orchestrator applies it once. A completion refused for
  good (a 4xx: a result too large, say) is replaced by the error
  REPORT_REFUSED; a result that is not JSON by AGENT_EXCEPTION;
- on POST /v1/tasks/{id}/cancel with {attempt} (the forwarder passes on the
  scheduler's cancels) makes `context.cancelled()` true and reports the
  error CANCELLED;
- on stop() refuses new tasks, lets the running ones run to their end and
  report, and heartbeats `stopping`. The forwarder holds each task until
  its final report is in, and posts it to another agent when this one goes
  silent, so a task taken by an agent that dies is run again elsewhere.

Log lines and thoughts have no callback of their own: log lines are written
to this process's log, thoughts go with the completion.
"""

import collections
import http.client
import json
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

from agentstudio_agent.handler import AgentError, Handler, TaskContext, response_of

log = logging.getLogger("agentstudio_agent.http")

# Answers after which the same report is worth sending again.
RETRYABLE_STATUSES = {408, 429, 500, 502, 503, 504}


@dataclass
class HttpRuntimeOptions:
    """Where and how to serve; from_environment() reads the daemon's names."""

    orchestrator_url: str = "http://127.0.0.1:8080"
    agent_id: str = field(
        default_factory=lambda: f"agent-py-http-{socket.gethostname()}-{os.getpid()}")
    listen: str = "127.0.0.1:0"
    endpoint: str = ""  # default: http://<listen address>
    token: str = ""  # a bearer token (JWT with agents:report) ...
    api_key: str = ""  # ... or an API key created for these agent types
    capacity: int = 4
    heartbeat_s: float = 5.0
    report_deadline_s: float = 60.0  # how long a final report is retried once stopping

    @staticmethod
    def from_environment() -> "HttpRuntimeOptions":
        env = os.environ
        options = HttpRuntimeOptions()
        options.orchestrator_url = env.get("AGENTSTUDIO_URL", options.orchestrator_url)
        options.agent_id = env.get("AGENTSTUDIO_AGENT_ID", options.agent_id)
        options.listen = env.get("AGENTSTUDIO_AGENT_LISTEN", options.listen)
        options.endpoint = env.get("AGENTSTUDIO_AGENT_ENDPOINT", options.endpoint)
        options.token = env.get("AGENTSTUDIO_AGENT_TOKEN", options.token)
        options.api_key = env.get("AGENTSTUDIO_AGENT_API_KEY", options.api_key)
        options.capacity = int(env.get("AGENTSTUDIO_AGENT_CONCURRENCY", options.capacity))
        options.heartbeat_s = int(env.get("AGENTSTUDIO_HEARTBEAT_MS", 5000)) / 1000.0
        return options


class HttpAgentRuntime:
    def __init__(self, handlers: List[Handler], options: Optional[HttpRuntimeOptions] = None):
        self.options = options or HttpRuntimeOptions.from_environment()
        self.options.capacity = max(1, self.options.capacity)
        self.handlers = {handler.agent_type: handler for handler in handlers}
        self._lock = threading.Lock()
        self._running: Dict[Tuple[str, int], threading.Event] = {}  # (task, attempt) -> cancel
        # Dispatches finished here, oldest first, so a repeat is answered 200.
        self._finished: "collections.OrderedDict[Tuple[str, int], None]" = \
            collections.OrderedDict()
        self._stopping = threading.Event()
        self._workers = ThreadPoolExecutor(max_workers=self.options.capacity,
                                           thread_name_prefix="task")
        self._server = ThreadingHTTPServer(self._address(), self._request_handler())
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        if not self.options.endpoint:
            self.options.endpoint = f"http://{host}:{port}"
        self.completed = 0  # guarded by _lock
        self.failed = 0

    def _address(self) -> Tuple[str, int]:
        host, _, port = self.options.listen.rpartition(":")
        return host or "127.0.0.1", int(port or 0)

    # -- serving -------------------------------------------------------------
    def run(self) -> None:
        """Serves until stop(); then drains (see the module doc)."""
        server = threading.Thread(target=self._server.serve_forever, daemon=True)
        server.start()
        log.info("agent %s serving %s at %s", self.options.agent_id,
                 ", ".join(sorted(self.handlers)), self.options.endpoint)
        while not self._stopping.wait(0):
            self._heartbeat("healthy")
            self._stopping.wait(self.options.heartbeat_s)
        # The running tasks finish and report; heartbeats go on meanwhile, so
        # the forwarder does not take this agent for gone and post them again.
        drained = threading.Event()
        threading.Thread(target=lambda: (self._workers.shutdown(wait=True), drained.set()),
                         daemon=True).start()
        while not drained.wait(0):
            self._heartbeat("stopping")
            drained.wait(self.options.heartbeat_s)
        self._server.shutdown()
        self._server.server_close()
        self._heartbeat("stopping")
        log.info("agent %s drained: tasks completed %d, failed %d", self.options.agent_id,
                 self.completed, self.failed)

    def stop(self) -> None:
        self._stopping.set()

    def _request_handler(self):
        runtime = self

        class RequestHandler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 (the base class's name)
                log.debug("%s %s", self.address_string(), format % args)

            def _answer(self, status: int, body: Dict[str, Any],
                        headers: Optional[Dict[str, str]] = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802 (the base class's name)
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    return self._answer(400, {"error": "the body is not JSON"})
                parts = self.path.rstrip("/").split("/")
                if parts[1:] == ["v1", "tasks"]:
                    return self._answer(*runtime._accept(body))
                if len(parts) == 5 and parts[1:3] == ["v1", "tasks"] and parts[4] == "cancel":
                    return self._answer(*runtime._cancel(parts[3], body))
                return self._answer(404, {"error": "no such route"})

        return RequestHandler

    def _accept(self, body: Any) -> tuple:
        if not isinstance(body, dict) or not isinstance(body.get("task_id"), str) \
                or not isinstance(body.get("attempt"), int) \
                or not isinstance(body.get("request", {}), dict):
            return 400, {"error": "task_id (a string), attempt (an integer) and request "
                                  "(an object) are required"}
        agent_type = body.get("agent_type")
        if agent_type not in self.handlers:
            # Not this agent's task (its heartbeat was out of date): another's.
            return 404, {"error": f"agent type {agent_type!r} is not served here"}
        key = (body["task_id"], body["attempt"])
        with self._lock:
            if key in self._finished:
                return 200, {"task_id": key[0], "status": "finished"}
            if key in self._running:
                return 202, {"task_id": key[0], "status": "accepted"}
            if self._stopping.is_set():
                return 503, {"error": "stopping"}, {"Retry-After": "1"}
            if len(self._running) >= self.options.capacity:
                return 429, {"error": "at capacity"}, {"Retry-After": "1"}
            cancelled = threading.Event()
            try:
                self._workers.submit(self._execute, body, cancelled)
            except RuntimeError:  # shut down since the check above
                return 503, {"error": "stopping"}, {"Retry-After": "1"}
            self._running[key] = cancelled
        return 202, {"task_id": key[0], "status": "accepted"}

    # (A repeat of a finished dispatch is answered {"status": "finished"},
    # which the forwarder reads as "done"; a bare 200 would not do.)

    def _cancel(self, task_id: str, body: Any) -> tuple:
        attempt = body.get("attempt") if isinstance(body, dict) else None
        with self._lock:
            events = [event for (task, number), event in self._running.items()
                      if task == task_id and (attempt is None or number == attempt)]
        for event in events:
            event.set()
        return (202 if events else 404), {"task_id": task_id,
                                          "status": "cancelling" if events else "unknown"}

    # -- running a task ------------------------------------------------------
    def _execute(self, body: Dict[str, Any], cancelled: threading.Event) -> None:
        task_id, attempt = body["task_id"], body["attempt"]
        base = {"task_id": task_id, "workflow_id": body.get("workflow_id", ""),
                "attempt": attempt}
        thoughts: List[Dict[str, Any]] = []
        context = TaskContext(
            task_id=task_id, workflow_id=body.get("workflow_id", ""),
            step_id=body.get("step_id", ""), agent_type=body["agent_type"], attempt=attempt,
            priority=body.get("priority", "normal"), request=body.get("request") or {},
            report_progress=lambda percentage, message: self._report_progress(
                {**base, "progress": {"percentage": percentage, "message": message}}),
            report_log=lambda level, message: log.info("task %s [%s] %s", task_id, level,
                                                       message),
            report_thought=thoughts.append,
            # A cancel of this attempt; a stop lets the task run to its end.
            cancelled=cancelled.is_set)
        started = time.monotonic()
        try:
            self._report_progress({**base, "progress": {
                "percentage": 0, "message": f"accepted by {self.options.agent_id}"}})
            failure = None
            try:
                response = response_of(self.handlers[body["agent_type"]].handle(context))
                for thought in thoughts:
                    if thought not in response["thoughts"]:
                        response["thoughts"].append(thought)
                response["metadata"].update({
                    "agentId": self.options.agent_id,
                    "executionTimeMs": int((time.monotonic() - started) * 1000),
                    "priority": context.priority})
                completion = json.dumps({**base, "result": response["result"],
                                         "thoughts": response["thoughts"],
                                         "metadata": response["metadata"]})
            except AgentError as error:
                failure = {"code": error.code, "message": error.message,
                           "retryable": error.retryable}
            except Exception as error:  # a handler's bug (or a result that is not JSON)
                failure = {"code": "AGENT_EXCEPTION", "message": str(error), "retryable": True}
            if cancelled.is_set():  # whatever the handler made of it
                failure = {"code": "CANCELLED", "message": "Cancelled", "retryable": False}
            if failure is None and not self._report_final("completion", completion):
                failure = {"code": "REPORT_REFUSED", "retryable": False,
                           "message": "the orchestrator refused the agent's completion for good"}
            if failure is not None and not self._report_final(
                    "error", json.dumps({**base, "error": failure})):
                # Refused for good too (a message too long, say): the least
                # that can be said, so the task does not wait for ever.
                self._report_final("error", json.dumps({**base, "error": {
                    "code": str(failure.get("code") or "AGENT_ERROR")[:64],
                    "message": str(failure.get("message") or "the agent failed")[:500],
                    "retryable": bool(failure.get("retryable"))}}))
            with self._lock:
                if failure is None:
                    self.completed += 1
                else:
                    self.failed += 1
        except Exception:
            log.exception("task %s: its final report could not be sent", task_id)
        finally:
            with self._lock:
                self._running.pop((task_id, attempt), None)
                self._finished[(task_id, attempt)] = None
                while len(self._finished) > 10000:
                    self._finished.popitem(last=False)

    # -- talking to the orchestrator ----------------------------------------
    def _headers(self) -> Dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Agent-ID": self.options.agent_id}
        if self.options.token:
            headers["Authorization"] = f"Bearer {self.options.token}"
        elif self.options.api_key:
            headers["X-API-Key"] = self.options.api_key
        return headers

    def _post(self, path: str, data: bytes, key: str, timeout: float = 10) -> int:
        request = urllib.request.Request(
            self.options.orchestrator_url.rstrip("/") + path, data=data,
            headers={**self._headers(), "X-Idempotency-Key": key}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            if error.code not in RETRYABLE_STATUSES:
                log.error("%s refused (%d): %s", path, error.code, error.read()[:500])
            return error.code

    def _report_progress(self, body: Dict[str, Any]) -> None:
        """Best effort, one try: progress is not worth holding a task for."""
        try:
            self._post("/callbacks/v1/progress", json.dumps(body).encode(), str(uuid.uuid4()),
                       timeout=5)
        except (OSError, http.client.HTTPException) as error:
            log.warning("progress of %s not sent (%s)", body.get("task_id"), error)

    def _report_final(self, kind: str, text: str) -> bool:
        """Sends a completion or an error, retried with the same key until it
        is taken (True) or refused for good (False). Once stopping it gives up
        after report_deadline_s: the forwarder then posts the task to another
        agent once this one is silent."""
        key = str(uuid.uuid4())
        wait = 0.1
        deadline = None
        while True:
            try:
                status = self._post(f"/callbacks/v1/{kind}", text.encode(), key)
                if status not in RETRYABLE_STATUSES:
                    return status < 300
            except (OSError, http.client.HTTPException) as error:
                log.warning("%s report not sent (%s); retrying", kind, error)
            if self._stopping.is_set():
                deadline = deadline or time.monotonic() + self.options.report_deadline_s
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} report not taken in "
                                       f"{self.options.report_deadline_s:.0f} s while stopping")
            time.sleep(wait)
            wait = min(wait * 2, 5.0)

    def _heartbeat(self, status: str) -> None:
        with self._lock:
            running = len(self._running)
            completed, failed = self.completed, self.failed
        body = {"agent_types": sorted(self.handlers), "status": status,
                "load": min(1.0, running / self.options.capacity), "active_tasks": running,
                "capacity": self.options.capacity, "endpoint": self.options.endpoint,
                "metrics": {"tasksCompleted": float(completed), "tasksFailed": float(failed)}}
        try:
            status_code = self._post("/callbacks/v1/heartbeat", json.dumps(body).encode(),
                                     str(uuid.uuid4()), timeout=5)
            if status_code >= 300:
                log.warning("heartbeat answered %d", status_code)
        except (OSError, http.client.HTTPException) as error:
            log.warning("heartbeat not sent (%s)", error)
