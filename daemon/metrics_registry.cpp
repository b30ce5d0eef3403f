#include "daemon/metrics_registry.hpp"

#include <cmath>
#include <sstream>

namespace agentstudio::daemon {
namespace {

// A label value with \, " and newline escaped, as the text format requires.
std::string Escaped(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

}  // namespace

void MetricsRegistry::Add(const std::string& name, const std::string& help, Type type,
                          std::map<std::string, std::string> labels, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  Family& family = families_[name];
  family.help = help;
  family.type = type;
  family.samples.push_back({std::move(labels), std::move(read)});
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + (family.type == Type::kCounter ? " counter\n" : " gauge\n");
    for (const Sample& sample : family.samples) {
      out += name;
      if (!sample.labels.empty()) {
        std::string labels;
        for (const auto& [key, value] : sample.labels) {
          labels += (labels.empty() ? "" : ",") + key + "=\"" + Escaped(value) + "\"";
        }
        out += "{" + labels + "}";
      }
      out += " " + Number(sample.read()) + "\n";
    }
  }
  return out;
}

}  // namespace agentstudio::daemon
