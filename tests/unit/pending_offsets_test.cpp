#include "agents/pending_offsets.hpp"

#include <gtest/gtest.h>

namespace agentstudio::agents {
namespace {

const kafka::TopicPartition kP0{"tasks.x", 0};
const kafka::TopicPartition kP1{"tasks.x", 1};

TEST(PendingOffsets, ShouldCommitOnlyUpToTheFirstUnfinishedTask) {
  PendingOffsets offsets;
  for (int64_t offset : {10, 11, 12}) offsets.Take(kP0, offset);
  EXPECT_TRUE(offsets.Committable().empty()) << "nothing finished yet";
  offsets.Finish(kP0, 11);  // a later task finished first
  EXPECT_TRUE(offsets.Committable().empty()) << "10 still runs";
  offsets.Finish(kP0, 10);
  EXPECT_EQ(offsets.Committable(), (kafka::Positions{{kP0, 12}}));
  offsets.Finish(kP0, 12);
  EXPECT_EQ(offsets.Committable(), (kafka::Positions{{kP0, 13}}));
  EXPECT_EQ(offsets.unfinished(), 0u);
}

TEST(PendingOffsets, ShouldOfferOnlyPositionsThatMovedSinceTheLastCommit) {
  PendingOffsets offsets;
  offsets.Take(kP0, 1);
  offsets.Take(kP1, 5);
  offsets.Finish(kP0, 1);
  offsets.Finish(kP1, 5);
  const kafka::Positions first = offsets.Committable();
  EXPECT_EQ(first, (kafka::Positions{{kP0, 2}, {kP1, 6}}));
  offsets.Committed(first);
  EXPECT_TRUE(offsets.Committable().empty());
  offsets.Take(kP1, 6);
  offsets.Finish(kP1, 6);
  EXPECT_EQ(offsets.Committable(), (kafka::Positions{{kP1, 7}}));
}

TEST(PendingOffsets, ShouldForgetARevokedPartitionAndIgnoreItsLateFinishes) {
  PendingOffsets offsets;
  offsets.Take(kP0, 3);
  offsets.Forget(kP0);
  offsets.Finish(kP0, 3);  // the task of a partition given away ends later
  EXPECT_TRUE(offsets.Committable().empty());
  EXPECT_EQ(offsets.unfinished(), 0u);
  // Assigned again, it is read from the committed offset anew.
  offsets.Take(kP0, 2);
  EXPECT_EQ(offsets.unfinished(), 1u);
  offsets.Finish(kP0, 2);
  EXPECT_EQ(offsets.Committable(), (kafka::Positions{{kP0, 3}}));
}

TEST(PendingOffsets, ShouldTakeOffsetsAgainAfterARewind) {
  PendingOffsets offsets;
  offsets.Take(kP0, 7);
  offsets.Take(kP0, 8);
  offsets.Finish(kP0, 8);
  // 7 could not be handled and is read again, after 8.
  offsets.Take(kP0, 7);
  EXPECT_TRUE(offsets.Committable().empty());
  offsets.Finish(kP0, 7);
  EXPECT_EQ(offsets.Committable(), (kafka::Positions{{kP0, 9}}));
}

}  // namespace
}  // namespace agentstudio::agents
