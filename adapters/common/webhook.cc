#include "adapters/common/webhook.h"

#include <httplib.h>

namespace lobby::adapters {

HttpAnswer AnswerFor(const absl::Status& outcome) {
  std::string why(outcome.message());
  switch (outcome.code()) {
    case absl::StatusCode::kOk:
      return {200, why.empty() ? "ok" : why};
    case absl::StatusCode::kInvalidArgument:
      return {400, why};
    case absl::StatusCode::kUnauthenticated:
      return {401, why};
    case absl::StatusCode::kPermissionDenied:
      return {403, why};
    case absl::StatusCode::kNotFound:
      return {404, why};
    case absl::StatusCode::kResourceExhausted:
      return {413, why};
    default:
      return {503, "try again"};
  }
}

void Respond(const HttpAnswer& answer, httplib::Response& res) {
  res.status = answer.status;
  res.set_content(answer.body, "text/plain");
}

absl::Status CheckSize(const std::string& body, size_t max_body) {
  if (body.size() > max_body) return absl::ResourceExhaustedError("too large");
  return absl::OkStatus();
}

absl::StatusOr<bool> ReplayGuard::Seen(absl::string_view id) const {
  auto dup = redis_.Command({"EXISTS", Key(id)});
  if (!dup.ok()) return absl::UnavailableError(dup.status().message());
  return dup->integer == 1;
}

}  // namespace lobby::adapters
