#include "services/calls/client.h"

#include "absl/strings/ascii.h"

namespace lobby::calls {

absl::Status ValidCallId(const std::string& id) {
  if (id.empty() || id.size() > 128)
    return absl::InvalidArgumentError("a call id is 1 to 128 characters");
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_' && c != ':')
      return absl::InvalidArgumentError("a call id has letters, digits and . - _ : only");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ReportCallResponse> Client::Report(const v1::ReportCallRequest& req) {
  return service_.Call(&v1::HotlineService::Stub::ReportCall, req);
}

}  // namespace lobby::calls
