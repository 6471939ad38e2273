#include "services/surveys/client.h"

namespace lobby::surveys {

absl::Status Client::Submit(const v1::SubmitResponseRequest& req) {
  return service_.Call(&v1::SurveyService::Stub::SubmitResponse, req).status();
}

absl::StatusOr<v1::Survey> Client::GetSurvey(const std::string& ticket) {
  v1::GetSurveyRequest req;
  req.set_ticket_id(ticket);
  return service_.Call(&v1::SurveyService::Stub::GetSurvey, req);
}

}  // namespace lobby::surveys
