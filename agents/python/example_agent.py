#!/usr/bin/env python3
"""An example agent: `word-counter` counts the words of `input.text` (or of
each of `input.texts`), reporting a log line, progress and a thought as it
goes. Over Kafka by default, configured by the daemon's environment names
(AGENTSTUDIO_KAFKA_BROKERS, AGENTSTUDIO_TOPIC_PREFIX, ...; PYTHONPATH needs
this folder and build/python, the generated Protobuf modules); over HTTP
with AGENTSTUDIO_AGENT_TRANSPORT=http (AGENTSTUDIO_URL, the front door, and
the agent's credential in AGENTSTUDIO_AGENT_TOKEN or AGENTSTUDIO_AGENT_API_KEY;
see agentstudio_agent/http_runtime.py). SIGTERM or Ctrl-C drains it."""

import collections
import logging
import signal
import time

import os

from agentstudio_agent import AgentError, Handler, TaskContext


class WordCounter(Handler):
    agent_type = "word-counter"

    def handle(self, context: TaskContext):
        texts = context.input.get("texts")
        if texts is None and isinstance(context.input.get("text"), str):
            texts = [context.input["text"]]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise AgentError("INVALID_INPUT", "input.text (a string) or input.texts (strings) "
                             "is required", retryable=False)
        context.report_log("info", f"counting the words of {len(texts)} text(s)")
        # A long task, to test them: it stops early when cancelled, unless
        # it stands for work that cannot be interrupted (one long model call).
        deadline = time.monotonic() + max(0, context.configuration.get("sleepMs", 0)) / 1000
        interruptible = not context.configuration.get("uninterruptible", False)
        while time.monotonic() < deadline and not (interruptible and context.cancelled()):
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        counts = collections.Counter()
        for index, text in enumerate(texts, start=1):
            counts.update(word.strip(".,;:!?\"'()").lower() for word in text.split())
            context.report_progress(100.0 * index / (len(texts) + 1), f"text {index}")
        counts.pop("", None)
        top = [word for word, _ in counts.most_common(3)]
        thought = {"type": "observation",
                   "content": f"the most frequent words are {', '.join(top)}"}
        context.report_thought(thought)  # at once, for those streaming the task
        return {"result": {"words": sum(counts.values()), "distinct": len(counts), "top": top},
                "thoughts": [thought]}


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if os.environ.get("AGENTSTUDIO_AGENT_TRANSPORT", "kafka") == "http":
        from agentstudio_agent import HttpAgentRuntime
        runtime = HttpAgentRuntime([WordCounter()])
    else:
        from agentstudio_agent import KafkaAgentRuntime
        runtime = KafkaAgentRuntime([WordCounter()])
    signal.signal(signal.SIGTERM, lambda *_: runtime.stop())
    signal.signal(signal.SIGINT, lambda *_: runtime.stop())
    runtime.run()


if __name__ == "__main__":
    main()
