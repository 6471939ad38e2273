#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/service_client.h"

namespace lobby::surveys {

/// SurveyService over gRPC, for the adapters. Thread-safe.
class Client {
 public:
  explicit Client(ClientEnv env) : service_(std::move(env), "surveys") {}
  /// A resident's answer (a score, a comment, a campaign's question).
  absl::Status Submit(const v1::SubmitResponseRequest& request);
  /// The survey of a ticket; NOT_FOUND when it has none.
  absl::StatusOr<v1::Survey> GetSurvey(const std::string& ticket);

 private:
  ServiceClient<v1::SurveyService> service_;
};

}  // namespace lobby::surveys
