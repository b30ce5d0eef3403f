#include "tests/support/figures.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace agentstudio::testing {

void ReportFigures(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  std::vector<char> line(static_cast<size_t>(std::vsnprintf(nullptr, 0, format, args)) + 1);
  va_end(args);
  std::vsnprintf(line.data(), line.size(), format, again);
  va_end(again);
  std::printf("%s\n", line.data());
  if (const char* path = std::getenv("AGENTSTUDIO_FIGURES_FILE"); path != nullptr && *path) {
    std::ofstream(path, std::ios::app) << line.data() << "\n";
  }
}

}  // namespace agentstudio::testing
