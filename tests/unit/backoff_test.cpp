#include "engine/backoff.hpp"

#include <gtest/gtest.h>

namespace agentstudio::engine {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, ShouldDoubleUpToItsMaximumAndStartOverAfterASuccess) {
  Backoff backoff(milliseconds(50), milliseconds(300));
  EXPECT_EQ(backoff.Next(), milliseconds(50));
  EXPECT_EQ(backoff.Next(), milliseconds(100));
  EXPECT_EQ(backoff.Next(), milliseconds(200));
  EXPECT_EQ(backoff.Next(), milliseconds(300));
  EXPECT_EQ(backoff.Next(), milliseconds(300));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), milliseconds(50));
}

}  // namespace
}  // namespace agentstudio::engine
