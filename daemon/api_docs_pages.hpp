#pragma once

#include <map>
#include <string>

namespace agentstudio::daemon {

struct StaticFile {
  std::string content_type;
  std::string body;
};

// The pages of GET /docs (Swagger UI) and GET /redoc (ReDoc), both reading
// /openapi.json, with the files they load, by URL path ("/docs",
// "/docs/swagger-ui-bundle.js", "/redoc", "/redoc/redoc.standalone.js"...).
// The files come from the npm packages swagger-ui-dist and redoc under
// `node_modules` (scripts/lib/npm, installed into .run/npm) and are read
// once, so serving them never touches the disk. Throws std::runtime_error
// naming a file that cannot be read.
std::map<std::string, StaticFile> LoadApiDocsPages(const std::string& node_modules);

}  // namespace agentstudio::daemon
