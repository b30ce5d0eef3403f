#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace agentstudio::testing {

struct HttpResponse {
  long status = 0;                             // 0 when the request did not complete
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;  // curl's reason when status is 0

  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One blocking HTTP request through libcurl. For an https URL, `ca_file` is
// the PEM certificate the server's must chain to (empty: the system's).
HttpResponse Http(const std::string& method, const std::string& url, const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {},
                  const std::string& ca_file = "");

}  // namespace agentstudio::testing
