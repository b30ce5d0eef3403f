#include "daemon/api_docs_pages.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace agentstudio::daemon {
namespace {

constexpr const char* kSwaggerPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agent Studio API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
</script>
</body>
</html>
)";

constexpr const char* kRedocPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agent Studio API</title>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/redoc/redoc.standalone.js"></script>
</body>
</html>
)";

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + " (AGENTSTUDIO_API_DOCS_DIR)");
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

std::map<std::string, StaticFile> LoadApiDocsPages(const std::string& node_modules) {
  std::map<std::string, StaticFile> pages = {{"/docs", {"text/html; charset=utf-8", kSwaggerPage}},
                                             {"/redoc", {"text/html; charset=utf-8", kRedocPage}}};
  for (const auto& [url, file, type] :
       {std::tuple{"/docs/swagger-ui.css", "swagger-ui-dist/swagger-ui.css", "text/css"},
        std::tuple{"/docs/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js",
                   "text/javascript"},
        std::tuple{"/docs/swagger-ui-standalone-preset.js",
                   "swagger-ui-dist/swagger-ui-standalone-preset.js", "text/javascript"},
        std::tuple{"/redoc/redoc.standalone.js", "redoc/bundles/redoc.standalone.js",
                   "text/javascript"}}) {
    pages[url] = {type, Read(node_modules + "/" + file)};
  }
  return pages;
}

}  // namespace agentstudio::daemon
