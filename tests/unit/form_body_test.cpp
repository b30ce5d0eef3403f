#include "daemon/form_body.hpp"

#include <gtest/gtest.h>

namespace agentstudio::daemon {
namespace {

using Fields = std::map<std::string, std::string>;

TEST(ParseFormBody, ShouldDecodeEscapesAndPlusSigns) {
  EXPECT_EQ(ParseFormBody("grant_type=client_credentials&scope=workflows%3Aread+admin&empty=&flag"),
            (Fields{{"grant_type", "client_credentials"},
                    {"scope", "workflows:read admin"},
                    {"empty", ""},
                    {"flag", ""}}));
  EXPECT_EQ(ParseFormBody(""), Fields{});
  EXPECT_EQ(ParseFormBody("a=1&&b=%7e"), (Fields{{"a", "1"}, {"b", "~"}}));
}

TEST(ParseFormBody, ShouldRefuseBadEscapesAndRepeatedNames) {
  EXPECT_EQ(ParseFormBody("a=%zz"), std::nullopt);
  EXPECT_EQ(ParseFormBody("a=%4"), std::nullopt);
  EXPECT_EQ(ParseFormBody("a=%"), std::nullopt);
  EXPECT_EQ(ParseFormBody("a=1&a=2"), std::nullopt);
}

}  // namespace
}  // namespace agentstudio::daemon
