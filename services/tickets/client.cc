#include "services/tickets/client.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::tickets {

namespace {
bool IsComplaint(absl::string_view kind) { return kind == "complaint"; }
absl::string_view KindOf(absl::string_view id) {
  return absl::StartsWith(id, "C-") ? "complaint" : "repair";
}
}  // namespace

absl::StatusOr<v1::Ticket> Client::Get(absl::string_view id) { return Get(KindOf(id), id); }

absl::StatusOr<v1::Ticket> Client::Get(absl::string_view kind, absl::string_view ticket) {
  v1::GetTicketRequest req;
  req.set_id(std::string(ticket));
  return IsComplaint(kind) ? complaints_.Call(&ComplaintStub::GetComplaint, req)
                           : repairs_.Call(&RepairStub::GetRepair, req);
}

absl::StatusOr<v1::ListTicketsResponse> Client::List(absl::string_view kind,
                                                     const v1::ListTicketsRequest& req) {
  return IsComplaint(kind) ? complaints_.Call(&ComplaintStub::ListComplaints, req)
                           : repairs_.Call(&RepairStub::ListRepairs, req);
}

absl::StatusOr<v1::Ticket> Client::Create(absl::string_view kind,
                                          const v1::CreateTicketRequest& req) {
  return IsComplaint(kind) ? complaints_.Call(&ComplaintStub::CreateComplaint, req)
                           : repairs_.Call(&RepairStub::CreateRepair, req);
}

absl::Status Client::AddComment(absl::string_view id, const v1::AddCommentRequest& req,
                                const std::string& acting_for) {
  return IsComplaint(KindOf(id))
             ? complaints_.Call(&ComplaintStub::AddComment, req, acting_for).status()
             : repairs_.Call(&RepairStub::AddComment, req, acting_for).status();
}

absl::StatusOr<v1::Ticket> Client::GetFor(absl::string_view id, const std::string& acting_for) {
  v1::GetTicketRequest req;
  req.set_id(std::string(id));
  return IsComplaint(KindOf(id)) ? complaints_.Call(&ComplaintStub::GetComplaint, req, acting_for)
                                 : repairs_.Call(&RepairStub::GetRepair, req, acting_for);
}

absl::StatusOr<v1::Ticket> Client::Transition(const v1::TransitionRequest& req,
                                              const std::string& acting_for) {
  return IsComplaint(KindOf(req.id()))
             ? complaints_.Call(&ComplaintStub::Transition, req, acting_for)
             : repairs_.Call(&RepairStub::Transition, req, acting_for);
}

absl::StatusOr<v1::Ticket> Client::ConfirmVisit(absl::string_view id,
                                                const std::string& acting_for) {
  v1::GetTicketRequest req;
  req.set_id(std::string(id));
  return repairs_.Call(&RepairStub::ConfirmVisit, req, acting_for);
}

absl::StatusOr<v1::Classification> Client::Classify(absl::string_view site,
                                                    absl::string_view text) {
  v1::ClassifyRequest req;
  req.set_site_id(std::string(site));
  req.set_text(std::string(text));
  return repairs_.Call(&RepairStub::Classify, req);
}

absl::StatusOr<v1::Ticket> Client::Assign(absl::string_view kind, absl::string_view ticket,
                                          const v1::Decision& decision, int64_t expected_version,
                                          bool acknowledged) {
  v1::AssignRequest req;
  req.set_id(std::string(ticket));
  req.set_team(decision.team());
  req.set_assignee(decision.assignee());
  req.set_note(decision.explanation().substr(0, 2000));
  req.set_expected_version(expected_version);
  req.set_acknowledged(acknowledged);
  return IsComplaint(kind) ? complaints_.Call(&ComplaintStub::Assign, req)
                           : repairs_.Call(&RepairStub::Assign, req);
}

absl::StatusOr<v1::Ticket> Client::Annotate(absl::string_view kind,
                                            const v1::AnnotateRequest& req) {
  return IsComplaint(kind) ? complaints_.Call(&ComplaintStub::Annotate, req)
                           : repairs_.Call(&RepairStub::Annotate, req);
}

absl::StatusOr<v1::Catalog> Client::Catalog(absl::string_view site) {
  v1::GetCatalogRequest req;
  req.set_site_id(std::string(site));
  return repairs_.Call(&RepairStub::GetCatalog, req);
}

absl::Status Client::Reopen(absl::string_view ticket, absl::string_view note) {
  v1::TransitionRequest req;
  req.set_id(std::string(ticket));
  req.set_action(v1::TICKET_ACTION_REOPEN);
  req.set_note(std::string(note));
  return IsComplaint(KindOf(ticket)) ? complaints_.Call(&ComplaintStub::Transition, req).status()
                                     : repairs_.Call(&RepairStub::Transition, req).status();
}

absl::StatusOr<std::vector<v1::Ticket>> Client::ListReportedBy(const v1::Resident& resident,
                                                               int limit) {
  v1::ListTicketsRequest req;
  req.set_site_id(resident.unit().site_id());
  req.set_reporter_resident_id(resident.id());
  req.set_page_size(limit);
  LOBBY_ASSIGN_OR_RETURN(auto repairs, List("repair", req));
  LOBBY_ASSIGN_OR_RETURN(auto complaints, List("complaint", req));
  std::vector<v1::Ticket> all(repairs.tickets().begin(), repairs.tickets().end());
  all.insert(all.end(), complaints.tickets().begin(), complaints.tickets().end());
  std::sort(all.begin(), all.end(), [](const v1::Ticket& a, const v1::Ticket& b) {
    return FromTimestamp(a.created_at()) > FromTimestamp(b.created_at());
  });
  if (static_cast<int>(all.size()) > limit) all.resize(limit);
  return all;
}

}  // namespace lobby::tickets
