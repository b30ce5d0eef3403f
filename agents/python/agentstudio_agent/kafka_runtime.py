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

from confluent_kafka import (OFFSET_END, OFFSET_INVALID, Consumer, KafkaError, KafkaException,
                             Producer, TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic
from google.protobuf import json_format, struct_pb2

from agentstudio.v1 import (agent_heartbeat_pb2, task_control_pb2, task_event_pb2,
                            task_message_pb2)
from agentstudio_agent.handler import AgentError, Handler, TaskContext, response_of, thoughts_of

SCHEMA_VERSION = 1
log = logging.getLogger("agentstudio_agent")

Partition = Tuple[str, int]

# What Kafka will never take, however often it is sent (the C++ producer's
# list, producers/message_producer.cpp); anything else is worth a retry.
PERMANENT_ERRORS = {KafkaError.MSG_SIZE_TOO_LARGE,
                    KafkaError.RECORD_LIST_TOO_LARGE, KafkaError.TOPIC_AUTHORIZATION_FAILED,
                    KafkaError.TOPIC_EXCEPTION, KafkaError._INVALID_ARG}


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
    """Per partition: the offsets taken and not yet finished, and the next
    offset to read. Only the main thread touches it."""

    def __init__(self) -> None:
        self.open: Dict[Partition, Set[int]] = collections.defaultdict(set)
        self.next: Dict[Partition, int] = {}
        self.committed: Dict[Partition, int] = {}
        # Offsets finished while their partition was not held here (a task
        # still running at a rebalance), or before it was read again: not
        # committable then, but passed once the partition is held and still
        # committed at them (see KafkaAgentRuntime._past_finished).
        self.finished_unowned: Dict[Partition, Set[int]] = collections.defaultdict(set)
        self._unowned_count = 0

    def take(self, partition: Partition, offset: int) -> None:
        self.open[partition].add(offset)
        self.next[partition] = max(self.next.get(partition, 0), offset + 1)

    def done(self, partition: Partition, offset: int) -> None:
        pending = self.open.get(partition)
        if pending is not None and offset in pending:
            pending.discard(offset)
            return
        if self._unowned_count >= 10000:  # bounded: forgetting one only costs a rerun
            self.finished_unowned.clear()
            self._unowned_count = 0
        if offset not in self.finished_unowned[partition]:
            self.finished_unowned[partition].add(offset)
            self._unowned_count += 1

    def start_past_finished(self, partition: Partition, committed: int) -> int:
        """Where to read a partition whose committed offset is `committed`:
        past the run of messages from there that this process finished while
        it did not hold them (committed at the next commit). Only offsets the
        coordinator's commit has passed are forgotten: until then a later
        call (the drain's end, after more finished) walks from it again."""
        finished = self.finished_unowned.get(partition, set())
        start = committed
        while start in finished:
            start += 1
        below = {offset for offset in finished if offset < committed}
        finished -= below
        self._unowned_count -= len(below)
        if not finished:
            self.finished_unowned.pop(partition, None)
        if start != committed:
            self.next[partition] = max(self.next.get(partition, 0), start)
        return start

    def committable(self, partitions=None) -> List[TopicPartition]:
        """The positions that moved since the last commit."""
        out = []
        for partition, next_offset in self.next.items():
            if partitions is not None and partition not in partitions:
                continue
            pending = self.open.get(partition)
            position = min(pending) if pending else next_offset
            if self.committed.get(partition) != position:
                out.append(TopicPartition(partition[0], partition[1], position))
        return out

    def mark_committed(self, offsets: List[TopicPartition]) -> None:
        for tp in offsets:
            if tp.error is None:
                self.committed[(tp.topic, tp.partition)] = tp.offset
            else:  # tried again at the next commit
                log.warning("commit of %s[%d]@%d failed: %s", tp.topic, tp.partition, tp.offset,
                            tp.error)

    def forget(self, partitions) -> None:
        for partition in partitions:
            self.open.pop(partition, None)
            self.next.pop(partition, None)
            self.committed.pop(partition, None)


@dataclass
class _Report:
    """A message whose delivery finishes something: a task's final report
    (`task_key`) or a dead letter (`offsets`)."""

    topic: str
    key: Optional[bytes]
    value: bytes
    headers: list
    task_key: Optional[Tuple[str, int]] = None
    task: Optional[object] = None  # the TaskMessage of a final report
    offsets: List[Tuple[Partition, int]] = field(default_factory=list)
    refusal: bool = False  # already the REPORT_REFUSED stand-in
    attempts: int = 0
    due: float = 0.0


class _CancelListener:
    """This process's view of `<prefix>agent-control`, as the C++ runtime's
    CancelListener: every partition read from its end without a group (the
    scheduler cannot know which process holds a task), remembering the
    cancels addressed to these agent types (the message key). Cancels sent
    while the process was down are not seen; the scheduler ignores their
    tasks' late results anyway."""

    def __init__(self, brokers: str, topic: str, agent_types: Set[str]):
        self._types = agent_types
        self._lock = threading.Lock()
        self._cancelled: "collections.OrderedDict[Tuple[str, int], str]" = \
            collections.OrderedDict()
        self._stop = threading.Event()
        self._consumer = Consumer({"bootstrap.servers": brokers,
                                   "group.id": f"cancel-listener-{uuid.uuid4()}",
                                   "enable.auto.commit": False})
        metadata = self._consumer.list_topics(topic, timeout=10)
        if topic not in metadata.topics or metadata.topics[topic].error is not None:
            self._consumer.close()
            raise RuntimeError(f"cannot read {topic}")
        self._consumer.assign([TopicPartition(topic, p, OFFSET_END)
                               for p in metadata.topics[topic].partitions])
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._consumer.close()

    def reason(self, task_id: str, attempt: int) -> Optional[str]:
        with self._lock:
            return self._cancelled.get((task_id, attempt))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._consumer.poll(0.2)
            except KafkaException as error:  # keep listening: cancels matter
                log.warning("agent-control: %s", error)
                continue
            if message is None or message.error() is not None:
                continue
            if (message.key() or b"").decode("utf-8", "replace") not in self._types:
                continue  # another agent type's task
            control = task_control_pb2.TaskControl()
            try:
                control.ParseFromString(message.value() or b"")
            except Exception:  # every process reads it: counted by none, skipped
                continue
            if control.action != task_control_pb2.TaskControl.ACTION_CANCEL:
                continue
            with self._lock:
                self._cancelled[(control.task_id, control.attempt)] = control.reason
                while len(self._cancelled) > 10000:
                    self._cancelled.popitem(last=False)


class KafkaAgentRuntime:
    def __init__(self, handlers: List[Handler], options: Optional[RuntimeOptions] = None):
        self.options = options or RuntimeOptions.from_environment()
        self.options.capacity = max(1, self.options.capacity)
        self.handlers = {handler.agent_type: handler for handler in handlers}
        if not self.handlers or "" in self.handlers:
            raise ValueError("every handler needs an agent_type")
        self._stop = threading.Event()
        # Filled by other threads (appends are atomic), emptied by the main loop.
        self._reports = collections.deque()    # _Report to produce
        self._delivered = collections.deque()  # (_Report, KafkaError or None)
        # The main loop's own.
        self._offsets = _Offsets()
        self._active: Dict[Tuple[str, int], List[Tuple[Partition, int]]] = {}
        self._finished = collections.OrderedDict()  # (task id, attempt) reported, oldest first
        self._retries: List[_Report] = []
        self._paused: Set[Partition] = set()
        self._jobs = 0  # tasks handed to workers whose final report is not durable yet
        self._completed = 0
        self._failed = 0
        common = {"bootstrap.servers": self.options.brokers}
        # murmur2_random: a workflow id lands on the task-events partition the
        # C++ producers pick for it, so its events stay in order (docs/kafka.md).
        self._producer = Producer({**common, "acks": "all", "enable.idempotence": True,
                                   "linger.ms": 5, "partitioner": "murmur2_random",
                                   "message.timeout.ms": 30000})
        self._consumer = Consumer({**common, "group.id": self.options.prefix + "agents",
                                   "enable.auto.commit": False,
                                   "auto.offset.reset": "earliest",
                                   "allow.auto.create.topics": True})
        self._workers = ThreadPoolExecutor(max_workers=self.options.capacity,
                                           thread_name_prefix="agent-task")
        self._cancels: Optional[_CancelListener] = None  # made in run(), once topics exist
        # librdkafka never retries the fetch of an assignment's committed
        # offsets that the coordinator refused (NOT_COORDINATOR after a broker
        # restart, confluentinc/librdkafka#5586): the partitions stay
        # unfetched until the next rebalance. An error at no offset before
        # anything came since the assignment assigns them again, after a
        # growing wait (as the daemon's BatchConsumer does).
        self._received_since_assign = False
        self._restart_at: Optional[float] = None
        self._restart_wait_s = 1.0

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
            except KafkaException as error:
                if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise RuntimeError(f"cannot create {topic}: {error}") from error

    # -- the main loop -----------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Serves until stop(); then lets the running tasks finish (their
        handlers see cancelled()), reports and commits them, and leaves."""
        self._create_topics()
        try:
            self._cancels = _CancelListener(self.options.brokers,
                                            self.options.prefix + "agent-control",
                                            set(self.handlers))
            self._cancels.start()
        except (RuntimeError, KafkaException) as error:
            # No agent-control yet (no daemon ever ran against this cluster):
            # tasks run, cancels are not seen.
            log.warning("cancels will not be seen: %s", error)
            self._cancels = None
        self._consumer.subscribe([self.task_topic(t) for t in self.handlers],
                                 on_assign=self._on_assign, on_revoke=self._on_revoke)
        heartbeats = threading.Thread(target=self._heartbeat_loop, daemon=True)
        heartbeats.start()
        log.info("agent %s serving %s", self.options.agent_id, ", ".join(sorted(self.handlers)))
        last_commit = time.monotonic()
        while not self._stop.is_set():
            self._settle()
            if self._restart_at is not None and time.monotonic() >= self._restart_at:
                self._restart_assignment()
            self._set_paused(self._jobs >= self.options.capacity)
            message = self._consumer.poll(0.1)
            if message is not None:
                self._admit(message)
            if time.monotonic() - last_commit >= self.options.commit_interval_s:
                self._commit()
                last_commit = time.monotonic()
        # Stopping: nothing new starts (handlers see cancelled()); still
        # polling, so the group keeps us. Reports Kafka does not take within
        # the drain time are handed back: not committed, run again elsewhere.
        deadline = time.monotonic() + 60
        while self._jobs > 0:
            self._set_paused(True)
            self._settle()
            self._consumer.poll(0.1)  # paused: only group traffic, or what was fetched
            only_reports_left = len(self._retries) + len(self._reports) >= self._jobs
            if only_reports_left and time.monotonic() > deadline:
                log.error("%d reports not delivered by the drain's end; handed back",
                          self._jobs)
                break
        # The last commit is the one a successor starts from: a commit the
        # coordinator turned away (a rebalance under way) is tried again.
        self._past_finished(self._consumer, self._consumer.assignment())  # back while running
        deadline = time.monotonic() + 10
        self._commit()
        while self._offsets.committable() and time.monotonic() < deadline:
            self._consumer.poll(0.1)
            self._commit()
        self._workers.shutdown(wait=True)
        if self._cancels is not None:
            self._cancels.stop()
        self._send_heartbeat("stopping")
        self._producer.flush(10)
        self._consumer.close()

    def _on_assign(self, consumer, partitions) -> None:
        self._restart_wait_s = 1.0  # a new assignment: the wait starts short again
        self._assign(consumer, partitions)

    def _assign(self, consumer, partitions) -> None:
        # A partition that was paused here before (and revoked meanwhile)
        # may come back still paused: librdkafka keeps the application's
        # pause across assignments. Start every assigned one unpaused; the
        # main loop pauses them again at capacity.
        log.info("assigned %s", ", ".join(f"{p.topic}[{p.partition}]" for p in partitions))
        starts = self._past_finished(consumer, partitions)
        partitions = [TopicPartition(p.topic, p.partition, starts[(p.topic, p.partition)])
                      if (p.topic, p.partition) in starts else p for p in partitions]
        consumer.assign(partitions)
        consumer.resume(partitions)
        self._paused -= {(p.topic, p.partition) for p in partitions}
        self._received_since_assign = False
        self._restart_at = None

    def _past_finished(self, consumer, partitions) -> Dict[Partition, int]:
        """A task that was running when its partition went finishes here,
        but its commit is left behind. For those of `partitions` still
        committed at such tasks: where reading may start instead, past them
        (and the commit goes there at the next commit). Without it whoever
        read the partition next would run them again, a draining process
        included, which reads nothing more. Asks the coordinator only about
        such partitions."""
        known = [TopicPartition(p.topic, p.partition) for p in partitions
                 if (p.topic, p.partition) in self._offsets.finished_unowned]
        if not known:
            return {}
        try:
            committed = consumer.committed(known, timeout=10)
        except KafkaException as error:  # read from the commit: those tasks may run again
            log.warning("committed offsets not known (%s); reading from the commit", error)
            return {}
        starts = {}
        for tp in committed:
            if tp.error is None and tp.offset >= 0:
                partition = (tp.topic, tp.partition)
                start = self._offsets.start_past_finished(partition, tp.offset)
                if start != tp.offset:
                    starts[partition] = start
                    log.info("%s[%d]: finished here up to %d", tp.topic, tp.partition, start)
        return starts

    def _restart_assignment(self) -> None:
        partitions = [TopicPartition(p.topic, p.partition) for p in self._consumer.assignment()]
        self._restart_at = None
        if partitions:
            log.warning("assigning its %d partitions again, nothing came since the assignment",
                        len(partitions))
            self._assign(self._consumer, partitions)

    def _on_revoke(self, consumer, partitions) -> None:
        self._restart_at = None
        # Commit what finished on the partitions that go; their running tasks
        # still report, and their new owner reads from the commit. A paused
        # partition is resumed while still ours: librdkafka keeps the pause
        # of the application across a reassignment.
        self._settle()
        revoked = {(p.topic, p.partition) for p in partitions}
        offsets = self._offsets.committable(revoked)
        if offsets:
            try:
                self._offsets.mark_committed(consumer.commit(offsets=offsets, asynchronous=False))
            except KafkaException as error:
                log.warning("commit on revoke failed: %s", error)
        back = [TopicPartition(t, p) for t, p in revoked & self._paused]
        if back:
            consumer.resume(back)
        self._paused -= revoked
        self._offsets.forget(revoked)

    def _set_paused(self, paused: bool) -> None:
        if paused:
            assigned = {(p.topic, p.partition) for p in self._consumer.assignment()}
            new = assigned - self._paused
            if new:
                self._consumer.pause([TopicPartition(t, p) for t, p in new])
                self._paused |= new
        elif self._paused:
            self._consumer.resume([TopicPartition(t, p) for t, p in self._paused])
            self._paused = set()

    def _settle(self) -> None:
        """Serves delivery reports, finishes what Kafka has, produces the
        reports the workers made, and retries what failed."""
        self._producer.poll(0)
        while self._delivered:
            report, error = self._delivered.popleft()
            if error is None:
                self._finish(report)
            else:
                self._failed_delivery(report, error)
        now = time.monotonic()
        due = [r for r in self._retries if r.due <= now]
        self._retries = [r for r in self._retries if r.due > now]
        for report in due:
            self._produce(report)
        while self._reports:
            self._produce(self._reports.popleft())

    def _produce(self, report: _Report) -> None:
        report.attempts += 1
        try:
            self._producer.produce(
                report.topic, value=report.value, key=report.key, headers=report.headers,
                on_delivery=lambda error, _message, r=report: self._delivered.append((r, error)))
        except BufferError:  # the local queue is full: again in a moment
            report.due = time.monotonic() + 0.1
            self._retries.append(report)
        except KafkaException as error:  # refused before it left (too large, say)
            self._failed_delivery(report, error.args[0])

    def _failed_delivery(self, report: _Report, error: KafkaError) -> None:
        if error.fatal():
            # The idempotent producer cannot go on: stop without committing
            # what is not durable; another agent runs those tasks again.
            log.error("fatal producer error: %s; stopping", error)
            self._stop.set()
            raise RuntimeError(f"fatal producer error: {error}")
        if error.code() not in PERMANENT_ERRORS:
            report.due = time.monotonic() + min(5.0, 0.1 * 2 ** min(report.attempts, 6))
            log.warning("delivery to %s failed (%s); retrying", report.topic, error)
            self._retries.append(report)
            return
        log.error("Kafka refused a message to %s for good: %s", report.topic, error)
        if report.task_key is not None and not report.refusal:
            # Report that instead, so the task fails and says why.
            event = self._event(report.task)
            event.error.code = "REPORT_REFUSED"
            event.error.message = f"Kafka refused the agent's report for good: {error.str()}"
            event.error.retryable = False
            report.value = event.SerializeToString()
            report.refusal = True
            report.attempts = 0
            self._produce(report)
            return
        if report.offsets and len(report.value) > 1024:
            # A dead letter too large: its first KiB is enough to see what it was.
            report.headers = report.headers + [
                ("x-dlq-truncated-from", str(len(report.value)).encode())]
            report.value = report.value[:1024]
            self._produce(report)
            return
        self._finish(report)  # nothing more to try; the step timeout applies

    def _finish(self, report: _Report) -> None:
        offsets = list(report.offsets)
        if report.task_key is not None:
            offsets += self._active.pop(report.task_key, [])
            self._finished[report.task_key] = True
            while len(self._finished) > 10000:
                self._finished.popitem(last=False)
            self._jobs -= 1
        for partition, offset in offsets:
            self._offsets.done(partition, offset)

    def _commit(self) -> None:
        offsets = self._offsets.committable()
        if not offsets:
            return
        try:
            self._offsets.mark_committed(
                self._consumer.commit(offsets=offsets, asynchronous=False))
        except KafkaException as error:  # retried at the next interval
            log.warning("commit failed: %s", error)

    # -- one message -------------------------------------------------------
    def _admit(self, message) -> None:
        if message.error():
            code = message.error().code()
            if code != KafkaError._PARTITION_EOF:
                log.warning("consumer: %s", message.error())
            # Any negative offset counts (the message's offset() is None
            # then), where the C++ consumer matches exactly OFFSET_INVALID:
            # confluent-kafka does not tell them apart.
            stalls = (code not in (KafkaError._PARTITION_EOF, KafkaError._MAX_POLL_EXCEEDED,
                                   KafkaError._FATAL)
                      and message.offset() in (None, OFFSET_INVALID)
                      and not self._received_since_assign and self._restart_at is None)
            if stalls:
                self._restart_at = time.monotonic() + self._restart_wait_s
                self._restart_wait_s = min(self._restart_wait_s * 2, 30.0)
            return
        if not self._received_since_assign:
            self._restart_wait_s = 1.0
        self._received_since_assign = True
        partition = (message.topic(), message.partition())
        offset = message.offset()
        self._offsets.take(partition, offset)
        task = task_message_pb2.TaskMessage()
        reason = None
        try:
            task.ParseFromString(message.value() or b"")
            if task.schema_version != SCHEMA_VERSION:
                reason = f"unsupported schema version {task.schema_version}"
            elif not task.task_id or task.agent_type not in self.handlers:
                reason = "no task id, or an agent type this agent does not serve"
        except Exception as error:  # protobuf's DecodeError, or anything it raises
            reason = f"not a TaskMessage: {error}"
        if reason is not None:
            self._dead_letter(message, reason, partition)
            return
        key = (task.task_id, task.attempt)
        if key in self._finished:  # ran and reported here: a redelivery
            self._offsets.done(partition, offset)
            return
        if key in self._active:  # still running here: done when it is
            self._active[key].append((partition, offset))
            return
        self._active[key] = [(partition, offset)]
        self._jobs += 1
        headers = [(k, v) for k, v in (message.headers() or [])
                   if k in ("traceparent", "correlation-id")]
        future = self._workers.submit(self._execute, task, headers)
        future.add_done_callback(lambda f, t=task, h=headers: self._reports.append(
            self._final_report(t, h, f)))

    def _dead_letter(self, message, reason: str, partition: Partition) -> None:
        headers = list(message.headers() or []) + [
            ("x-source-topic", message.topic().encode()),
            ("x-source-partition", str(message.partition()).encode()),
            ("x-source-offset", str(message.offset()).encode()),
            ("x-dlq-reason", reason.encode())]
        log.warning("dead-lettering %s[%d]@%d: %s", message.topic(), message.partition(),
                    message.offset(), reason)
        self._produce(_Report(self.options.prefix + "dlq", message.key(), message.value() or b"",
                              headers, offsets=[(partition, message.offset())]))

    # -- running a task (worker threads) -----------------------------------
    def _event(self, task) -> task_event_pb2.TaskEvent:
        event = task_event_pb2.TaskEvent(schema_version=SCHEMA_VERSION,
                                         event_id=str(uuid.uuid4()), task_id=task.task_id,
                                         workflow_id=task.workflow_id, attempt=task.attempt,
                                         agent_id=self.options.agent_id)
        event.timestamp.GetCurrentTime()
        return event

    def _send_update(self, event, headers) -> None:
        """Progress, log lines and thoughts: best effort (the final report is
        what counts), never blocking the handler."""
        try:
            self._producer.produce(self.options.prefix + "task-events",
                                   key=event.workflow_id.encode(),
                                   value=event.SerializeToString(), headers=headers)
        except (BufferError, KafkaException) as error:
            log.warning("task %s: update dropped: %s", event.task_id, error)

    def _final_report(self, task, headers, future) -> _Report:
        """The report of a finished handler run (called when its future is
        done, on a worker thread): what _execute returned, or an
        AGENT_EXCEPTION if it raised."""
        try:
            event = future.result()
        except BaseException as error:  # noqa: B902 - whatever escaped, the task must end
            event = self._event(task)
            event.error.code, event.error.message = "AGENT_EXCEPTION", repr(error)
            event.error.retryable = True
        return _Report(self.options.prefix + "task-events", task.workflow_id.encode(),
                       event.SerializeToString(), headers, task_key=(task.task_id, task.attempt),
                       task=task)

    def _execute(self, task, headers) -> task_event_pb2.TaskEvent:
        def progress(percentage: float, text: str = "") -> None:
            event = self._event(task)
            event.progress.percentage = float(percentage)
            event.progress.message = text
            self._send_update(event, headers)

        def log_line(level: str, text: str) -> None:
            event = self._event(task)
            event.log.level = level
            event.log.message = text
            self._send_update(event, headers)

        def thought(value) -> None:
            event = self._event(task)
            _fill_thought(event.progress.thought, value)
            self._send_update(event, headers)

        def cancel_reason() -> Optional[str]:
            return self._cancels.reason(task.task_id, task.attempt) if self._cancels else None

        context = TaskContext(task_id=task.task_id, workflow_id=task.workflow_id,
                              step_id=task.step_id, agent_type=task.agent_type,
                              attempt=task.attempt, priority=task.priority or "normal",
                              request=_request_dict(task.request), report_progress=progress,
                              report_log=log_line, report_thought=thought,
                              cancelled=lambda: self._stop.is_set() or cancel_reason() is not None)
        event = self._event(task)
        if cancel_reason() is None:  # a task cancelled while it was queued is not started
            progress(0, "accepted by " + self.options.agent_id)
            event = self._run_handler(task, context)
        # Whatever the handler made of a cancel, the report says it was one.
        reason = cancel_reason()
        if reason is not None:
            event = self._event(task)
            event.error.code, event.error.message = "CANCELLED", reason or "Cancelled"
            event.error.retryable = False
        return event

    def _run_handler(self, task, context: TaskContext) -> task_event_pb2.TaskEvent:
        started = time.monotonic()
        event = self._event(task)
        try:
            response = response_of(self.handlers[task.agent_type].handle(context))
            metadata = response["metadata"] if isinstance(response["metadata"], dict) else {}
            metadata.update({"executionTimeMs": int((time.monotonic() - started) * 1000),
                             "agentId": self.options.agent_id, "priority": context.priority})
            if task.HasField("dispatched_at"):
                metadata["dispatchLatencyMs"] = int(
                    time.time() * 1000 - task.dispatched_at.ToMilliseconds())
            response["metadata"] = metadata
            _fill_response(event.completion.response, response)
            self._completed += 1
        except AgentError as error:
            event.error.code, event.error.message = error.code, error.message
            event.error.retryable = error.retryable
            self._failed += 1
        except Exception as error:  # a handler bug: another attempt may help
            log.exception("task %s failed", task.task_id)
            event = self._event(task)
            event.error.code, event.error.message = "AGENT_EXCEPTION", str(error)
            event.error.retryable = True
            self._failed += 1
        return event

    # -- heartbeats --------------------------------------------------------
    def _send_heartbeat(self, status: str) -> None:
        running = max(0, self._jobs)
        heartbeat = agent_heartbeat_pb2.AgentHeartbeat(
            schema_version=SCHEMA_VERSION, agent_id=self.options.agent_id,
            agent_types=sorted(self.handlers), status=status,
            load=min(1.0, running / self.options.capacity), active_tasks=running,
            capacity=self.options.capacity)
        heartbeat.timestamp.GetCurrentTime()
        heartbeat.metrics["tasksCompleted"] = float(self._completed)
        heartbeat.metrics["tasksFailed"] = float(self._failed)
        heartbeat.metrics["capacity"] = float(self.options.capacity)
        try:
            self._producer.produce(self.options.prefix + "agent-heartbeats",
                                   key=self.options.agent_id.encode(),
                                   value=heartbeat.SerializeToString())
        except (BufferError, KafkaException) as error:
            log.warning("heartbeat dropped: %s", error)  # the next one goes

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            self._send_heartbeat("healthy")
            self._stop.wait(self.options.heartbeat_s)


def _struct(value) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    if isinstance(value, dict):
        out.update(value)
    return out


def _integral(value):
    """JSON as the C++ side reads a Struct: a whole number is an int."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _request_dict(request) -> dict:
    out = {"task": request.task,
           "input": _integral(json_format.MessageToDict(request.input)),
           "context": _integral(json_format.MessageToDict(request.context)),
           "configuration": _integral(json_format.MessageToDict(request.configuration))}
    if request.timeout:
        out["timeout"] = request.timeout
    return out


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
    handoff = response.get("handoff")
    if isinstance(handoff, dict):  # dynamic workflows: hand the work on
        out.handoff.agent_type = str(handoff.get("agentType", ""))
        out.handoff.task = str(handoff.get("task", ""))
        out.handoff.input.CopyFrom(_struct(handoff.get("input")))
        out.handoff.reason = str(handoff.get("reason", ""))
