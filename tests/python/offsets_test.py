"""The Kafka runtime's offset bookkeeping (agents/python kafka_runtime._Offsets),
without a broker: what it commits for the partitions it took, lost and got
back."""

import unittest

from agentstudio_agent.kafka_runtime import _Offsets

P = ("tasks.word-counter", 3)


class FinishedWhileElsewhereTest(unittest.TestCase):
    def lose(self, offsets: _Offsets) -> None:
        """A rebalance took P away: committed at its first open offset."""
        offsets.mark_committed(offsets.committable({P}))
        offsets.forget({P})

    def test_two_tasks_finished_apart_are_both_passed(self):
        # Tasks at 0 and 1 run; P goes; 0 finishes; P comes back (committed
        # 0) while 1 runs and the process drains, reading nothing; 1 ends.
        offsets = _Offsets()
        offsets.take(P, 0)
        offsets.take(P, 1)
        self.lose(offsets)
        offsets.done(P, 0)
        self.assertEqual(offsets.start_past_finished(P, 0), 1)  # assigned again
        offsets.done(P, 1)
        # The drain's end: the coordinator still has 0, nothing was committed.
        self.assertEqual(offsets.start_past_finished(P, 0), 2)
        self.assertEqual([(tp.partition, tp.offset) for tp in offsets.committable()], [(3, 2)])

    def test_an_unfinished_task_stops_the_walk(self):
        offsets = _Offsets()
        offsets.take(P, 0)
        offsets.take(P, 1)
        self.lose(offsets)
        offsets.done(P, 1)  # 0 still runs (or was handed back)
        self.assertEqual(offsets.start_past_finished(P, 0), 0)
        self.assertEqual(offsets.committable(), [])

    def test_what_the_commit_passed_is_forgotten(self):
        offsets = _Offsets()
        offsets.take(P, 0)
        self.lose(offsets)
        offsets.done(P, 0)
        # Another owner committed further meanwhile: nothing to pass.
        self.assertEqual(offsets.start_past_finished(P, 5), 5)
        self.assertNotIn(P, offsets.finished_unowned)


if __name__ == "__main__":
    unittest.main()
