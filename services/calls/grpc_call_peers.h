#pragma once

#include "services/calls/call_logic.h"
#include "services/common/service_client.h"
#include "services/residents/client.h"
#include "services/surveys/client.h"
#include "services/tickets/client.h"

namespace lobby::calls {

/// CallPeers over gRPC: residents, the ticket services and surveys, with the service token.
class GrpcCallPeers final : public CallPeers {
 public:
  explicit GrpcCallPeers(const ClientEnv& env) : residents_(env), tickets_(env), surveys_(env) {}
  absl::StatusOr<v1::ResolvePhoneResponse> ResolvePhone(const std::string& number) override;
  absl::StatusOr<v1::Resident> GetResident(const std::string& id) override;
  absl::StatusOr<std::vector<v1::Ticket>> ListReportedBy(const v1::Resident& resident,
                                                         int limit) override;
  absl::Status AppendTimeline(const v1::AppendTimelineRequest& request) override;
  absl::StatusOr<v1::CallbackTask> RequestCallback(
      const v1::RequestCallbackRequest& request) override;
  absl::StatusOr<v1::Ticket> GetTicket(const std::string& id) override;
  absl::StatusOr<v1::Ticket> CreateTicket(const std::string& kind,
                                          const v1::CreateTicketRequest& request) override;
  absl::Status AddInternalComment(const std::string& ticket, const std::string& text) override;
  absl::StatusOr<v1::Survey> GetSurvey(const std::string& ticket) override;
  absl::Status SubmitSurvey(const v1::SubmitResponseRequest& request) override;

 private:
  residents::Client residents_;
  tickets::Client tickets_;
  surveys::Client surveys_;
};

}  // namespace lobby::calls
