// The SQL files the store embeds, read from the source tree: SOCI's
// placeholder parser does not know SQL comments, so a colon or an apostrophe
// in one breaks the statement (sql/README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

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

}  // namespace
