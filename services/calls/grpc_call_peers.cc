#include "services/calls/grpc_call_peers.h"

namespace lobby::calls {

absl::StatusOr<v1::ResolvePhoneResponse> GrpcCallPeers::ResolvePhone(const std::string& number) {
  return residents_.ResolvePhone(number);
}

absl::StatusOr<v1::Resident> GrpcCallPeers::GetResident(const std::string& id) {
  return residents_.Get(id);
}

absl::StatusOr<std::vector<v1::Ticket>> GrpcCallPeers::ListReportedBy(const v1::Resident& resident,
                                                                      int limit) {
  return tickets_.ListReportedBy(resident, limit);
}

absl::Status GrpcCallPeers::AppendTimeline(const v1::AppendTimelineRequest& req) {
  return residents_.AppendTimeline(req);
}

absl::StatusOr<v1::CallbackTask> GrpcCallPeers::RequestCallback(
    const v1::RequestCallbackRequest& req) {
  return residents_.RequestCallback(req);
}

absl::StatusOr<v1::Ticket> GrpcCallPeers::GetTicket(const std::string& id) {
  return tickets_.Get(id);
}

absl::StatusOr<v1::Ticket> GrpcCallPeers::CreateTicket(const std::string& kind,
                                                       const v1::CreateTicketRequest& req) {
  return tickets_.Create(kind, req);
}

absl::Status GrpcCallPeers::AddInternalComment(const std::string& ticket, const std::string& text) {
  v1::AddCommentRequest req;
  req.set_id(ticket);
  req.set_text(text);
  req.set_internal(true);
  return tickets_.AddComment(ticket, req, "");
}

absl::StatusOr<v1::Survey> GrpcCallPeers::GetSurvey(const std::string& ticket) {
  return surveys_.GetSurvey(ticket);
}

absl::Status GrpcCallPeers::SubmitSurvey(const v1::SubmitResponseRequest& req) {
  return surveys_.Submit(req);
}

}  // namespace lobby::calls
