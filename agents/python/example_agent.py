#!/usr/bin/env python3
"""An example agent over Kafka: `word-counter` counts the words of
`input.text` (or of each of `input.texts`), reporting a log line, progress
and a thought as it goes. Configured by the daemon's environment names
(AGENTSTUDIO_KAFKA_BROKERS, AGENTSTUDIO_TOPIC_PREFIX, ...); SIGTERM or
Ctrl-C drains it. PYTHONPATH needs this folder and build/python (the
generated Protobuf modules)."""

import collections
import logging
import signal
import time

from agentstudio_agent import AgentError, Handler, KafkaAgentRuntime, TaskContext


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
        time.sleep(max(0, context.configuration.get("sleepMs", 0)) / 1000)  # to test long tasks
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
    runtime = KafkaAgentRuntime([WordCounter()])
    signal.signal(signal.SIGTERM, lambda *_: runtime.stop())
    signal.signal(signal.SIGINT, lambda *_: runtime.stop())
    runtime.run()


if __name__ == "__main__":
    main()
