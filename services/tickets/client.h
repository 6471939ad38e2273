#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.pb.h"
#include "services/common/service_client.h"
#include "services/dispatch/dispatch_logic.h"
#include "services/surveys/survey_logic.h"

namespace lobby::tickets {

/// RepairService and ComplaintService over gRPC. The two serve one ticket API, so one client
/// holds both and picks by kind ("repair", "complaint") or by number (C-... is a complaint);
/// the category catalog and the classifier are RepairService's. Thread-safe.
class Client final : public dispatch::TicketClient, public surveys::TicketReopener {
 public:
  explicit Client(const ClientEnv& env)
      : repairs_(env, "repairs"), complaints_(env, "complaints") {}

  /// A repair (R-...) or a complaint (C-...).
  absl::StatusOr<v1::Ticket> Get(absl::string_view id);
  absl::StatusOr<v1::ListTicketsResponse> List(absl::string_view kind,
                                               const v1::ListTicketsRequest& request);
  absl::StatusOr<v1::Ticket> Create(absl::string_view kind, const v1::CreateTicketRequest& request);
  /// The resident's latest repairs and complaints together, newest first, at most `limit`.
  absl::StatusOr<std::vector<v1::Ticket>> ListReportedBy(const v1::Resident& resident, int limit);
  /// `acting_for` names whom the caller writes for ("resident:ID", "phone:NUMBER", "staff:NAME").
  absl::Status AddComment(absl::string_view id, const v1::AddCommentRequest& request,
                          const std::string& acting_for);
  /// The ticket as whom `acting_for` names may see it ("member:ID": that technician).
  absl::StatusOr<v1::Ticket> GetFor(absl::string_view id, const std::string& acting_for);
  /// Transition of a repair or complaint (by its number) for whom `acting_for` names.
  absl::StatusOr<v1::Ticket> Transition(const v1::TransitionRequest& request,
                                        const std::string& acting_for);
  /// RepairService.ConfirmVisit for whom `acting_for` names (the repair's reporter).
  absl::StatusOr<v1::Ticket> ConfirmVisit(absl::string_view id, const std::string& acting_for);
  absl::StatusOr<v1::Classification> Classify(absl::string_view site, absl::string_view text);

  // dispatch::TicketClient
  absl::StatusOr<v1::Ticket> Get(absl::string_view kind, absl::string_view ticket) override;
  absl::StatusOr<v1::Ticket> Assign(absl::string_view kind, absl::string_view ticket,
                                    const v1::Decision& decision, int64_t expected_version,
                                    bool acknowledged) override;
  absl::StatusOr<v1::Ticket> Annotate(absl::string_view kind,
                                      const v1::AnnotateRequest& request) override;
  absl::StatusOr<v1::Catalog> Catalog(absl::string_view site) override;

  // surveys::TicketReopener
  absl::Status Reopen(absl::string_view ticket, absl::string_view note) override;

 private:
  using RepairStub = v1::RepairService::Stub;
  using ComplaintStub = v1::ComplaintService::Stub;
  ServiceClient<v1::RepairService> repairs_;
  ServiceClient<v1::ComplaintService> complaints_;
};

}  // namespace lobby::tickets
