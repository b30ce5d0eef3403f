"""Agent Studio agents in Python.

KafkaAgentRuntime serves agent types over Kafka, as the C++ SDK does
(agents/agent_runtime.hpp): it consumes `<prefix>tasks.<type>` in the
`<prefix>agents` group, runs a handler per task and reports progress, log
lines, the completion or the error on `<prefix>task-events`, and heartbeats
on `<prefix>agent-heartbeats`. The messages are the Protobuf ones of
schemas/agentstudio/v1, generated into build/python by the build.
"""

from agentstudio_agent.handler import AgentError, Handler, TaskContext
from agentstudio_agent.kafka_runtime import KafkaAgentRuntime, RuntimeOptions

__all__ = ["AgentError", "Handler", "TaskContext", "KafkaAgentRuntime", "RuntimeOptions"]
