// The SQL files the store embeds, read from the source tree: SOCI's
// placeholder parser does not know SQL comments, so a colon or an apostrophe
// in one breaks the statement (sql/README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sql/prepared_query.hpp"

namespace {

using agentstudio::store::ToPositionalBinds;

TEST(SqlQueriesTest, ShouldKeepColonsAndApostrophesOutOfComments) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(AGENTSTUDIO_SQL_QUERIES_DIR)) {
    if (entry.path().extension() != ".sql") continue;
    ++files;
    std::ifstream in(entry.path());
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      const auto comment = line.find("--");
      if (comment == std::string::npos) continue;
      const std::string text = line.substr(comment);
      EXPECT_EQ(text.find_first_of(":'"), std::string::npos)
          << entry.path().filename().string() << ":" << number << ": " << line;
    }
  }
  EXPECT_GT(files, 20);
}

// RunPrepared hands PostgreSQL $n binds in place of SOCI's :name ones.
TEST(SqlQueriesTest, ShouldNumberNamedBindsInOrderOfFirstUse) {
  std::vector<std::string> names;
  EXPECT_EQ(
      ToPositionalBinds("SELECT :a, cast(:b AS int), :a::text, ':c', x -- y\nLIMIT :limit", names),
      "SELECT $1, cast($2 AS int), $1::text, ':c', x -- y\nLIMIT $3");
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "limit"}));
}

}  // namespace
