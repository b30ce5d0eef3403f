// POST /oauth/token: the client-credentials grant (auth::TokenIssuer) on the
// front door's port, for deployments without an identity provider.
#include <nlohmann/json.hpp>

#include "daemon/form_body.hpp"
#include "daemon/front_door.hpp"
#include "daemon/http_headers.hpp"
#include "engine/timestamp.hpp"

namespace agentstudio::daemon {
namespace {

using Json = nlohmann::json;

// The grant's parameters from whichever place the client put them.
struct TokenRequest {
  std::string grant_type;
  std::string client_id;
  std::string client_secret;
  std::string scope;
  bool basic = false;  // the credentials came in Authorization: Basic
};

// nullopt when the body is neither a JSON object nor a well-formed form, or
// names the client twice (in the body and in the header).
std::optional<TokenRequest> ReadTokenRequest(const Pistache::Rest::Request& request) {
  std::map<std::string, std::string> fields;
  const auto content_type = request.headers().tryGetRaw("Content-Type");
  const bool form =
      content_type && content_type->value().rfind("application/x-www-form-urlencoded", 0) == 0;
  if (form) {
    auto parsed = ParseFormBody(request.body());
    if (!parsed) return std::nullopt;
    fields = std::move(*parsed);
  } else if (!request.body().empty()) {
    const Json body = Json::parse(request.body(), nullptr, false);
    if (!body.is_object()) return std::nullopt;
    for (const auto& [name, value] : body.items()) {
      if (!value.is_string()) return std::nullopt;
      fields[name] = value.get<std::string>();
    }
  }
  const auto field = [&](const char* name) {
    const auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  TokenRequest out{field("grant_type"), field("client_id"), field("client_secret"), field("scope"),
                   false};
  if (const auto header = request.headers().tryGetRaw("Authorization")) {
    const auto credentials = auth::ParseBasicCredentials(header->value());
    if (!credentials || !out.client_id.empty() || !out.client_secret.empty()) return std::nullopt;
    out.client_id = credentials->first;
    out.client_secret = credentials->second;
    out.basic = true;
  }
  return out;
}

// RFC 6749 section 5.2's error as problem+json: `error` and
// `error_description` members for OAuth clients, the usual ones for others.
void SendTokenRefusal(Pistache::Http::ResponseWriter& response, const auth::TokenRefusal& refusal,
                      const Pistache::Rest::Request& request) {
  const bool client = refusal.error == auth::TokenError::kInvalidClient;
  if (client) response.headers().add(std::make_shared<WwwAuthenticateHeader>("Basic"));
  Problem problem{client ? 401 : 400,
                  client ? "authentication-error" : "oauth-error",
                  client ? "Unauthorized" : "Bad Request",
                  refusal.description,
                  {},
                  0};
  problem.extensions = {{"error", auth::ToString(refusal.error)},
                        {"error_description", refusal.description}};
  SendProblem(response, problem, request.resource(), TraceparentOf(request));
}

}  // namespace

void FrontDoor::IssueToken(const Pistache::Rest::Request& request,
                           Pistache::Http::ResponseWriter response) {
  if (RefuseWhileDraining(request, response)) return;
  const std::optional<TokenRequest> asked = ReadTokenRequest(request);
  if (!asked) {
    SendTokenRefusal(response,
                     {auth::TokenError::kInvalidRequest,
                      "the body must be a JSON object of strings or a form "
                      "(application/x-www-form-urlencoded), and the client named once"},
                     request);
    return;
  }
  // The client's own bucket limits its token requests; unknown clients
  // have none (guessing a 256-bit key is hopeless anyway).
  const auto client = token_issuer_.Client(asked->client_id, asked->client_secret);
  if (client && !TakeRequest(auth::PrincipalOfKey(*client), request, response)) return;
  const auto issued = token_issuer_.Issue(asked->grant_type, asked->client_id, asked->client_secret,
                                          asked->scope, engine::WallClockNow() / 1000);
  if (const auto* refusal = std::get_if<auth::TokenRefusal>(&issued)) {
    SendTokenRefusal(response, *refusal, request);
    return;
  }
  if (client) Audit(auth::PrincipalOfKey(*client), request);  // a token was issued
  const auth::IssuedToken& token = std::get<auth::IssuedToken>(issued);
  // RFC 6749 section 5.1: a token is never cached.
  response.headers().add(std::make_shared<CacheControlHeader>("no-store"));
  SendJson(response, Pistache::Http::Code::Ok,
           {{"access_token", token.access_token},
            {"token_type", "Bearer"},
            {"expires_in", token.expires_in},
            {"scope", token.scope}});
}

}  // namespace agentstudio::daemon
