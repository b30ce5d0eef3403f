#include "tests/support/figures.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace agentstudio::testing {

void ReportFigures(const char* format, ...) {
  char line[2048];  // a figures line is a few hundred characters; longer ones are cut
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  std::printf("%s\n", line);
  if (const char* path = std::getenv("AGENTSTUDIO_FIGURES_FILE"); path != nullptr && *path) {
    std::ofstream(path, std::ios::app) << line << "\n";
  }
}

}  // namespace agentstudio::testing
