"""What an agent implements, and what it sees of a task."""

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List


class AgentError(Exception):
    """Raised by a handler: the task fails with `code` and `message`; the
    scheduler retries it (up to the step's maxRetries) when `retryable`."""

    def __init__(self, code: str, message: str, retryable: bool = True):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


@dataclass
class TaskContext:
    """One attempt of one task (REST AgentRequest in `request`)."""

    task_id: str
    workflow_id: str
    step_id: str
    agent_type: str
    attempt: int
    priority: str
    request: Dict[str, Any]
    report_progress: Callable[[float, str], None] = field(repr=False)
    report_log: Callable[[str, str], None] = field(repr=False)
    report_thought: Callable[[Dict[str, Any]], None] = field(repr=False)
    # True once the runtime is stopping: a long handler should return early.
    cancelled: Callable[[], bool] = field(repr=False, default=lambda: False)

    @property
    def input(self) -> Dict[str, Any]:
        return self.request.get("input") or {}

    @property
    def configuration(self) -> Dict[str, Any]:
        return self.request.get("configuration") or {}


class Handler:
    """Serves one agent type. `handle` runs on a worker thread (several at
    once: keep it free of shared mutable state) and returns the
    AgentResponse: {"result": {...}, "thoughts": [...], "metadata": {...}}
    (missing keys are filled in), or raises AgentError. Any other exception
    fails the attempt as retryable AGENT_EXCEPTION."""

    agent_type: str = ""

    def handle(self, context: TaskContext) -> Dict[str, Any]:
        raise NotImplementedError


def response_of(returned: Any) -> Dict[str, Any]:
    """The AgentResponse a handler's return value stands for."""
    response = dict(returned) if isinstance(returned, dict) else {"result": {"value": returned}}
    response["success"] = True
    response.setdefault("result", {})
    response.setdefault("thoughts", [])
    response.setdefault("metadata", {})
    return response


def thoughts_of(response: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [t for t in response.get("thoughts", []) if isinstance(t, dict)]
