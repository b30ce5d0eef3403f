"""KafkaAgentRuntime: serves agent types over Kafka (see the package doc).

Guarantees, as the C++ runtime's (docs/agents.md):
- a task message's offset is committed only once its final report (the
  completion or the error) is durable in Kafka, and a partition only up to
  its first task not yet reported: a crash re-delivers the unfinished tasks
  and those behind them, never loses one;
- a repeated (task id, attempt) is dropped, so a redelivery after a crash or
  a rebalance that this process already ran is not run twice here;
- a message that does not decode goes to `<prefix>dlq` and the messages
  behind it go on;
- at capacity the partitions are paused, so further tasks wait in Kafka for
  an agent with room; polling goes on whatever the tasks do, so the group
  sees the process alive however long they run.
"""

import collections
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from google.protobuf import struct_pb2

from agentstudio.v1 import agent_heartbeat_pb2, task_event_pb2, task_message_pb2
from agentstudio_agent.handler import AgentError, Handler, TaskContext, response_of, thoughts_of

SCHEMA_VERSION = 1
log = logging.getLogger("agentstudio_agent")

Partition = Tuple[str, int]


@dataclass
class RuntimeOptions:
    """Where and how to serve; from_environment() reads the daemon's names."""

    brokers: str = "127.0.0.1:9092"
    prefix: str = "agentstudio."
    agent_id: str = field(default_factory=lambda: f"agent-py-{socket.gethostname()}-{os.getpid()}")
    capacity: int = 4  # tasks at once
    heartbeat_s: float = 5.0
    partitions: int = 4  # of a task topic this runtime creates
    replication_factor: int = 1
    commit_interval_s: float = 1.0

    @staticmethod
    def from_environment() -> "RuntimeOptions":
        env = os.environ
        options = RuntimeOptions()
        options.brokers = env.get("AGENTSTUDIO_KAFKA_BROKERS", options.brokers)
        options.prefix = env.get("AGENTSTUDIO_TOPIC_PREFIX", options.prefix)
        options.agent_id = env.get("AGENTSTUDIO_AGENT_ID", options.agent_id)
        options.capacity = int(env.get("AGENTSTUDIO_AGENT_CONCURRENCY", options.capacity))
        options.heartbeat_s = int(env.get("AGENTSTUDIO_HEARTBEAT_MS", 5000)) / 1000.0
        options.partitions = int(env.get("AGENTSTUDIO_PARTITIONS", options.partitions))
        options.replication_factor = int(
            env.get("AGENTSTUDIO_REPLICATION_FACTOR", options.replication_factor))
        return options


class _Offsets:
    """Per partition: the offsets taken and not yet reported durably, and the
    next offset to read. Only the main thread touches it."""

    def __init__(self) -> None:
        self.open: Dict[Partition, Set[int]] = collections.defaultdict(set)
        self.next: Dict[Partition, int] = {}

    def take(self, partition: Partition, offset: int) -> None:
        self.open[partition].add(offset)
        self.next[partition] = max(self.next.get(partition, 0), offset + 1)

    def done(self, partition: Partition, offset: int) -> None:
        if partition in self.open:
            self.open[partition].discard(offset)

    def committable(self, partitions=None) -> List[TopicPartition]:
        out = []
        for partition, next_offset in self.next.items():
            if partitions is not None and partition not in partitions:
                continue
            pending = self.open.get(partition)
            out.append(TopicPartition(partition[0], partition[1],
                                      min(pending) if pending else next_offset))
        return out

    def forget(self, partitions) -> None:
        for partition in partitions:
            self.open.pop(partition, None)
            self.next.pop(partition, None)

    def running(self) -> int:
        return sum(len(offsets) for offsets in self.open.values())


class KafkaAgentRuntime:
    def __init__(self, handlers: List[Handler], options: Optional[RuntimeOptions] = None):
        self.options = options or RuntimeOptions.from_environment()
        self.handlers = {handler.agent_type: handler for handler in handlers}
        if not self.handlers or "" in self.handlers:
            raise ValueError("every handler needs an agent_type")
        self._stop = threading.Event()
        self._done = collections.deque()  # (partition, offset) reported durably; any thread appends
        self._recent = collections.OrderedDict()  # (task id, attempt) seen, oldest first
        self._offsets = _Offsets()
        self._paused: List[TopicPartition] = []
        self._running = 0  # tasks taken and not reported: written by the main loop only
        self._completed = 0
        self._failed = 0
        common = {"bootstrap.servers": self.options.brokers}
        self._producer = Producer({**common, "acks": "all", "enable.idempotence": True,
                                   "linger.ms": 5})
        self._consumer = Consumer({**common, "group.id": self.options.prefix + "agents",
                                   "enable.auto.commit": False,
                                   "auto.offset.reset": "earliest",
                                   "allow.auto.create.topics": True})
        self._workers = ThreadPoolExecutor(max_workers=self.options.capacity,
                                           thread_name_prefix="agent-task")

    # -- topics ------------------------------------------------------------
    def task_topic(self, agent_type: str) -> str:
        return self.options.prefix + "tasks." + agent_type

    def _create_topics(self) -> None:
        """Creates the task topics, as a cluster that forbids auto-creation
        needs; an existing topic is fine."""
        admin = AdminClient({"bootstrap.servers": self.options.brokers})
        wanted = [NewTopic(self.task_topic(t), num_partitions=self.options.partitions,
                           replication_factor=self.options.replication_factor)
                  for t in self.handlers]
        for topic, future in admin.create_topics(wanted, request_timeout=15).items():
            try:
                future.result()
            except Exception as error:  # the KafkaException of the topic's result
                code = error.args[0].code() if error.args else None
                if code != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise RuntimeError(f"cannot create {topic}: {error}") from error

    # -- the main loop -----------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Serves until stop(); then lets the running tasks finish, reports
        and commits them, and leaves the group."""
        self._create_topics()
        self._consumer.subscribe([self.task_topic(t) for t in self.handlers],
                                 on_assign=self._on_assign, on_revoke=self._on_revoke)
        heartbeats = threading.Thread(target=self._heartbeat_loop, daemon=True)
        heartbeats.start()
        log.info("agent %s serving %s", self.options.agent_id, ", ".join(sorted(self.handlers)))
        last_commit = time.monotonic()
        while not self._stop.is_set():
            self._settle()
            self._set_paused(self._offsets.running() >= self.options.capacity)
            message = self._consumer.poll(0.1)
            if message is not None:
                self._admit(message)
            self._running = self._offsets.running()
            if time.monotonic() - last_commit >= self.options.commit_interval_s:
                self._commit()
                last_commit = time.monotonic()
        # Stopping: nothing new starts; still polling, so the group keeps us.
        self._set_paused(True)
        while self._offsets.running() > 0:
            self._settle()
            self._consumer.poll(0.1)
        self._commit()
        self._workers.shutdown(wait=True)
        self._send_heartbeat("stopping")
        self._producer.flush(10)
        self._consumer.close()

    def _on_assign(self, consumer, partitions) -> None:
        self._paused = []  # the new assignment starts unpaused

    def _on_revoke(self, consumer, partitions) -> None:
        # Commit what finished on the partitions that go; their running tasks
        # still report, and their new owner reads from the commit.
        self._settle()
        revoked = {(p.topic, p.partition) for p in partitions}
        offsets = self._offsets.committable(revoked)
        if offsets:
            try:
                consumer.commit(offsets=offsets, asynchronous=False)
            except Exception as error:
                log.warning("commit on revoke failed: %s", error)
        self._offsets.forget(revoked)
        self._paused = []

    def _set_paused(self, paused: bool) -> None:
        if paused and not self._paused:
            self._paused = list(self._consumer.assignment())
            if self._paused:
                self._consumer.pause(self._paused)
        elif not paused and self._paused:
            self._consumer.resume(self._paused)
            self._paused = []

    def _settle(self) -> None:
        """Serves delivery reports and marks the durably reported offsets."""
        self._producer.poll(0)
        while self._done:
            partition, offset = self._done.popleft()
            self._offsets.done(partition, offset)

    def _commit(self) -> None:
        offsets = self._offsets.committable()
        if not offsets:
            return
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except Exception as error:  # retried at the next interval
            log.warning("commit failed: %s", error)

    # -- one message -------------------------------------------------------
    def _admit(self, message) -> None:
        if message.error():
            if message.error().code() != KafkaError._PARTITION_EOF:
                log.warning("consumer: %s", message.error())
            return
        partition = (message.topic(), message.partition())
        self._offsets.take(partition, message.offset())
        task = task_message_pb2.TaskMessage()
        reason = None
        try:
            task.ParseFromString(message.value() or b"")
            if task.schema_version != SCHEMA_VERSION:
                reason = f"unsupported schema version {task.schema_version}"
            elif not task.task_id or task.agent_type not in self.handlers:
                reason = "no task id, or an agent type this agent does not serve"
        except Exception as error:
            reason = f"not a TaskMessage: {error}"
        if reason is not None:
            self._dead_letter(message, reason, partition)
            return
        key = (task.task_id, task.attempt)
        if key in self._recent:  # ran here already: a redelivery
            self._done.append((partition, message.offset()))
            return
        self._recent[key] = True
        while len(self._recent) > 10000:
            self._recent.popitem(last=False)
        headers = [(k, v) for k, v in (message.headers() or []) if k == "traceparent"]
        self._workers.submit(self._execute, task, headers, partition, message.offset())

    def _dead_letter(self, message, reason: str, partition: Partition) -> None:
        headers = list(message.headers() or []) + [
            ("x-source-topic", message.topic().encode()),
            ("x-source-partition", str(message.partition()).encode()),
            ("x-source-offset", str(message.offset()).encode()),
            ("x-dlq-reason", reason.encode())]
        log.warning("dead-lettering %s[%d]@%d: %s", message.topic(), message.partition(),
                    message.offset(), reason)
        self._produce_durably(self.options.prefix + "dlq", message.key(), message.value() or b"",
                              headers, (partition, message.offset()))

    def _produce_durably(self, topic, key, value, headers, done) -> None:
        """Produces; once Kafka has it, `done` (partition, offset) is marked
        finished. A failed delivery is produced again (same bytes, so the
        schedulers drop a repeat by its event id)."""
        def report(error, _message):
            if error is None:
                if done is not None:
                    self._done.append(done)
                return
            # librdkafka gave up after its own retries (message.timeout.ms).
            log.warning("delivery to %s failed (%s); sending again", topic, error)
            self._produce_durably(topic, key, value, headers, done)

        while True:
            try:
                self._producer.produce(topic, value=value, key=key, headers=headers,
                                       on_delivery=report)
                return
            except BufferError:  # the local queue is full: let it drain
                self._producer.poll(0.1)

    # -- running a task (worker threads) -----------------------------------
    def _event(self, task) -> task_event_pb2.TaskEvent:
        event = task_event_pb2.TaskEvent(schema_version=SCHEMA_VERSION,
                                         event_id=str(uuid.uuid4()), task_id=task.task_id,
                                         workflow_id=task.workflow_id, attempt=task.attempt,
                                         agent_id=self.options.agent_id)
        event.timestamp.GetCurrentTime()
        return event

    def _send(self, event, headers, done=None) -> None:
        self._produce_durably(self.options.prefix + "task-events", event.workflow_id.encode(),
                              event.SerializeToString(), headers, done)

    def _execute(self, task, headers, partition: Partition, offset: int) -> None:
        def progress(percentage: float, text: str = "") -> None:
            event = self._event(task)
            event.progress.percentage = float(percentage)
            event.progress.message = text
            self._send(event, headers)

        def log_line(level: str, text: str) -> None:
            event = self._event(task)
            event.log.level = level
            event.log.message = text
            self._send(event, headers)

        def thought(value) -> None:
            event = self._event(task)
            _fill_thought(event.progress.thought, value)
            self._send(event, headers)

        request = _request_dict(task.request)
        context = TaskContext(task_id=task.task_id, workflow_id=task.workflow_id,
                              step_id=task.step_id, agent_type=task.agent_type,
                              attempt=task.attempt, priority=task.priority or "normal",
                              request=request, report_progress=progress, report_log=log_line,
                              report_thought=thought)
        progress(0, "accepted by " + self.options.agent_id)
        started = time.monotonic()
        event = self._event(task)
        try:
            response = response_of(self.handlers[task.agent_type].handle(context))
            response["metadata"].update({
                "executionTimeMs": int((time.monotonic() - started) * 1000),
                "agentId": self.options.agent_id, "priority": context.priority})
            _fill_response(event.completion.response, response)
            self._completed += 1
        except AgentError as error:
            event.error.code, event.error.message = error.code, error.message
            event.error.retryable = error.retryable
            self._failed += 1
        except Exception as error:  # a handler bug: another attempt may help
            log.exception("task %s failed", task.task_id)
            event.error.code, event.error.message = "AGENT_EXCEPTION", str(error)
            event.error.retryable = True
            self._failed += 1
        self._send(event, headers, done=(partition, offset))

    # -- heartbeats --------------------------------------------------------
    def _send_heartbeat(self, status: str) -> None:
        running = self._running
        heartbeat = agent_heartbeat_pb2.AgentHeartbeat(
            schema_version=SCHEMA_VERSION, agent_id=self.options.agent_id,
            agent_types=sorted(self.handlers), status=status,
            load=min(1.0, running / self.options.capacity), active_tasks=running)
        heartbeat.timestamp.GetCurrentTime()
        heartbeat.metrics["tasksCompleted"] = float(self._completed)
        heartbeat.metrics["tasksFailed"] = float(self._failed)
        heartbeat.metrics["capacity"] = float(self.options.capacity)
        try:
            self._producer.produce(self.options.prefix + "agent-heartbeats",
                                   key=self.options.agent_id.encode(),
                                   value=heartbeat.SerializeToString())
        except BufferError:
            pass  # the next one goes

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            self._send_heartbeat("healthy")
            self._stop.wait(self.options.heartbeat_s)


def _struct(value) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    if isinstance(value, dict):
        out.update(value)
    return out


def _request_dict(request) -> dict:
    from google.protobuf import json_format
    return {"task": request.task,
            "input": json_format.MessageToDict(request.input),
            "context": json_format.MessageToDict(request.context),
            "configuration": json_format.MessageToDict(request.configuration),
            "timeout": request.timeout}


def _fill_thought(out, value: dict) -> None:
    out.timestamp.GetCurrentTime()
    out.type = str(value.get("type", "observation"))
    out.content = str(value.get("content", ""))
    out.metadata.CopyFrom(_struct(value.get("metadata")))


def _fill_response(out, response: dict) -> None:
    out.success = True
    out.result.CopyFrom(_struct(response.get("result")))
    out.metadata.CopyFrom(_struct(response.get("metadata")))
    for value in thoughts_of(response):
        _fill_thought(out.thoughts.add(), value)
