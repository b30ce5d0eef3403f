// ExecutionCache's bounds and stamps, without I/O.
#include "consumers/execution_cache.hpp"

#include <gtest/gtest.h>

namespace agentstudio::kafka {
namespace {

engine::WorkflowState Running(const std::string& id, size_t tasks, int64_t version = 2) {
  engine::WorkflowState state;
  state.id = id;
  state.status = engine::WorkflowStatus::kRunning;
  state.tasks.resize(tasks);
  state.version = version;
  state.created_at = 1000;
  return state;
}

TEST(ExecutionCacheUnitTest, ShouldEvictTheLeastRecentlyPutToStayWithinItsTasks) {
  ExecutionCache cache(10);
  cache.Put(Running("a", 4));
  cache.Put(Running("b", 4));
  EXPECT_EQ(cache.tasks(), 8u);
  cache.Put(Running("c", 4));  // 12 > 10: a goes
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.tasks(), 8u);
  EXPECT_FALSE(cache.Take("a", {2, 1000}).has_value());
  EXPECT_TRUE(cache.Take("b", {2, 1000}).has_value());
  EXPECT_EQ(cache.tasks(), 4u) << "what is taken out no longer counts";
  cache.Put(Running("huge", 11));
  EXPECT_EQ(cache.size(), 1u) << "an execution bigger than the whole cache is not kept";
}

TEST(ExecutionCacheUnitTest, ShouldDropACopyWhoseStampDiffersAndReplaceAnOlderOne) {
  ExecutionCache cache(100);
  cache.Put(Running("a", 2, 2));
  EXPECT_FALSE(cache.Take("a", {3, 1000}).has_value()) << "the store has a newer version";
  EXPECT_FALSE(cache.Take("a", {2, 1000}).has_value()) << "a stale copy is dropped";
  cache.Put(Running("a", 2, 2));
  cache.Put(Running("a", 3, 3));
  EXPECT_EQ(cache.tasks(), 3u);
  const auto taken = cache.Take("a", {3, 1000});
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->tasks.size(), 3u);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(ExecutionCacheUnitTest, ShouldNotKeepFinishedExecutions) {
  ExecutionCache cache(100);
  engine::WorkflowState done = Running("a", 2);
  done.status = engine::WorkflowStatus::kCompleted;
  cache.Put(done);
  EXPECT_EQ(cache.size(), 0u);
  cache.Put(Running("b", 1));
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.tasks(), 0u);
}

}  // namespace
}  // namespace agentstudio::kafka
