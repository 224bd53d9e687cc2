#include "experiments/postgres_url.h"

#include <cctype>
#include <vector>

namespace fl {

namespace {

constexpr const char* kSchemes[] = {"postgresql://", "postgres://"};

size_t scheme_length(const std::string& url) {
  for (const std::string scheme : kSchemes)
    if (url.compare(0, scheme.size(), scheme) == 0) return scheme.size();
  return 0;
}

// The parts of a URL libpq reads as `scheme userinfo@ rest ?query`. As in libpq, the user
// information ends at the first '@' that comes before any '/' or '?'.
struct UrlParts {
  std::string scheme, user, password, rest, query;
  bool has_password = false;
};

UrlParts split(const std::string& url) {
  UrlParts p;
  const size_t start = scheme_length(url);
  p.scheme = url.substr(0, start);
  std::string body = url.substr(start);
  const size_t question = body.find('?');
  if (question != std::string::npos) p.query = body.substr(question + 1), body.resize(question);
  const size_t at = body.find_first_of("@/");
  if (at != std::string::npos && body[at] == '@') {
    const std::string userinfo = body.substr(0, at);
    const size_t colon = userinfo.find(':');
    p.user = userinfo.substr(0, colon);
    if (colon != std::string::npos) p.password = userinfo.substr(colon + 1), p.has_password = true;
    body = body.substr(at);  // keeps the '@'
  }
  p.rest = body;
  return p;
}

std::vector<std::string> query_fields(const std::string& query) {
  std::vector<std::string> fields;
  if (query.empty()) return fields;
  for (size_t begin = 0;;) {
    const size_t end = query.find('&', begin);
    fields.push_back(query.substr(begin, end - begin));  // npos - begin: the rest
    if (end == std::string::npos) return fields;
    begin = end + 1;
  }
}

bool is_password_field(const std::string& field) { return field.rfind("password=", 0) == 0; }

std::string percent_decoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string replaced(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
  return text;
}

}  // namespace

bool is_postgres_url(const std::string& location) { return scheme_length(location) > 0; }

std::string redacted_url(const std::string& url) {
  const UrlParts p = split(url);
  std::string query;
  for (const auto& field : query_fields(p.query))
    if (!is_password_field(field)) query += (query.empty() ? "" : "&") + field;
  return p.scheme + p.user + p.rest + (query.empty() ? "" : "?" + query);
}

std::string without_password(const std::string& message, const std::string& url) {
  const UrlParts p = split(url);
  std::vector<std::string> secrets;
  if (p.has_password) secrets.push_back(p.password);
  for (const auto& field : query_fields(p.query))
    if (is_password_field(field)) secrets.push_back(field.substr(9));
  std::string out = message;
  for (const auto& secret : secrets) out = replaced(replaced(out, secret), percent_decoded(secret));
  return out;
}

}  // namespace fl
