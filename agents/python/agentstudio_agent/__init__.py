"""Agent Studio agents in Python, in two flavours that run the same handlers.

KafkaAgentRuntime serves agent types over Kafka, as the C++ SDK does
(agents/agent_runtime.hpp): it consumes `<prefix>tasks.<type>` in the
`<prefix>agents` group, runs a handler per task and reports progress, log
lines, the completion or the error on `<prefix>task-events`, and heartbeats
on `<prefix>agent-heartbeats`. The messages are the Protobuf ones of
schemas/agentstudio/v1, generated into build/python by the build.

HttpAgentRuntime serves them over HTTP with the standard library alone: the
orchestrator posts each task to it, and it reports through the front door's
callback API (agentstudio_agent/http_runtime.py).
"""

from agentstudio_agent.handler import AgentError, Handler, TaskContext
from agentstudio_agent.http_runtime import HttpAgentRuntime, HttpRuntimeOptions

__all__ = ["AgentError", "Handler", "TaskContext", "HttpAgentRuntime", "HttpRuntimeOptions",
           "KafkaAgentRuntime", "RuntimeOptions"]


def __getattr__(name):
    # The Kafka flavour needs confluent-kafka and the generated Protobuf
    # modules; an HTTP agent never imports them.
    if name in ("KafkaAgentRuntime", "RuntimeOptions"):
        from agentstudio_agent import kafka_runtime
        return getattr(kafka_runtime, name)
    raise AttributeError(name)
