#pragma once

namespace agentstudio::testing {

// Prints a fault suite's closing figures (printf-style, one line) and appends
// them to the file AGENTSTUDIO_FIGURES_FILE names: scripts/test prints that
// file at the end, since ctest shows nobody a passing test's output.
void ReportFigures(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace agentstudio::testing
