#include "services/tickets/state_machine.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lobby::tickets {
namespace {

using A = v1::TicketAction;
using S = v1::TicketStatus;

struct Row {
  S from;
  A action;
  S to;
  const char* event;
};

constexpr Row kRepair[] = {
    {S::TICKET_STATUS_ASSIGNED, A::TICKET_ACTION_ACKNOWLEDGE, S::TICKET_STATUS_ACKNOWLEDGED,
     "ticket.acknowledged"},
    {S::TICKET_STATUS_REOPENED, A::TICKET_ACTION_ACKNOWLEDGE, S::TICKET_STATUS_ACKNOWLEDGED,
     "ticket.acknowledged"},
    // "On my way": the job stays acknowledged, the resident is told.
    {S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_ON_THE_WAY, S::TICKET_STATUS_ACKNOWLEDGED,
     "ticket.on_the_way"},
    {S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_ARRIVE, S::TICKET_STATUS_ON_SITE,
     "ticket.on_site"},
    {S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_HOLD, S::TICKET_STATUS_ON_HOLD,
     "ticket.on_hold"},
    {S::TICKET_STATUS_ON_SITE, A::TICKET_ACTION_HOLD, S::TICKET_STATUS_ON_HOLD, "ticket.on_hold"},
    {S::TICKET_STATUS_ON_HOLD, A::TICKET_ACTION_RESUME, S::TICKET_STATUS_ACKNOWLEDGED,
     "ticket.resumed"},
    {S::TICKET_STATUS_ON_SITE, A::TICKET_ACTION_RESOLVE, S::TICKET_STATUS_RESOLVED,
     "ticket.resolved"},
    {S::TICKET_STATUS_RESOLVED, A::TICKET_ACTION_CLOSE, S::TICKET_STATUS_CLOSED, "ticket.closed"},
    {S::TICKET_STATUS_RESOLVED, A::TICKET_ACTION_REOPEN, S::TICKET_STATUS_REOPENED,
     "ticket.reopened"},
    {S::TICKET_STATUS_CLOSED, A::TICKET_ACTION_REOPEN, S::TICKET_STATUS_REOPENED,
     "ticket.reopened"},
    {S::TICKET_STATUS_NEW, A::TICKET_ACTION_CANCEL, S::TICKET_STATUS_CANCELLED, "ticket.cancelled"},
    {S::TICKET_STATUS_ASSIGNED, A::TICKET_ACTION_CANCEL, S::TICKET_STATUS_CANCELLED,
     "ticket.cancelled"},
    {S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_CANCEL, S::TICKET_STATUS_CANCELLED,
     "ticket.cancelled"},
};

constexpr Row kComplaint[] = {
    {S::TICKET_STATUS_ASSIGNED, A::TICKET_ACTION_ACKNOWLEDGE, S::TICKET_STATUS_ACKNOWLEDGED,
     "ticket.acknowledged"},
    {S::TICKET_STATUS_REOPENED, A::TICKET_ACTION_ACKNOWLEDGE, S::TICKET_STATUS_ACKNOWLEDGED,
     "ticket.acknowledged"},
    {S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_SUBMIT_REVIEW, S::TICKET_STATUS_IN_REVIEW,
     "ticket.review_submitted"},
    {S::TICKET_STATUS_IN_REVIEW, A::TICKET_ACTION_APPROVE, S::TICKET_STATUS_RESOLVED,
     "ticket.resolved"},
    {S::TICKET_STATUS_IN_REVIEW, A::TICKET_ACTION_REJECT, S::TICKET_STATUS_ACKNOWLEDGED,
     "ticket.review_rejected"},
    {S::TICKET_STATUS_RESOLVED, A::TICKET_ACTION_CLOSE, S::TICKET_STATUS_CLOSED, "ticket.closed"},
    {S::TICKET_STATUS_RESOLVED, A::TICKET_ACTION_REOPEN, S::TICKET_STATUS_REOPENED,
     "ticket.reopened"},
    {S::TICKET_STATUS_CLOSED, A::TICKET_ACTION_REOPEN, S::TICKET_STATUS_REOPENED,
     "ticket.reopened"},
    {S::TICKET_STATUS_NEW, A::TICKET_ACTION_CANCEL, S::TICKET_STATUS_CANCELLED, "ticket.cancelled"},
    {S::TICKET_STATUS_ASSIGNED, A::TICKET_ACTION_CANCEL, S::TICKET_STATUS_CANCELLED,
     "ticket.cancelled"},
};

std::string Lower(const std::string& name, absl::string_view prefix) {
  return absl::AsciiStrToLower(name.substr(std::min(name.size(), prefix.size())));
}

}  // namespace

absl::StatusOr<Transition> Next(Kind kind, v1::TicketStatus from, v1::TicketAction action) {
  const Row* begin = kind == Kind::kRepair ? std::begin(kRepair) : std::begin(kComplaint);
  const Row* end = kind == Kind::kRepair ? std::end(kRepair) : std::end(kComplaint);
  for (const Row* r = begin; r != end; ++r) {
    if (r->from == from && r->action == action) return Transition{r->to, r->event};
  }
  return absl::FailedPreconditionError(absl::StrCat("cannot ", ActionName(action), " a ",
                                                    kind == Kind::kRepair ? "repair" : "complaint",
                                                    " that is ", StatusName(from)));
}

bool CanAssign(v1::TicketStatus s) {
  return s == S::TICKET_STATUS_NEW || s == S::TICKET_STATUS_ASSIGNED ||
         s == S::TICKET_STATUS_ACKNOWLEDGED || s == S::TICKET_STATUS_ON_HOLD ||
         s == S::TICKET_STATUS_REOPENED;
}

bool MayAct(auth::Role role, v1::TicketAction action) {
  using auth::Role;
  switch (action) {
    case A::TICKET_ACTION_ACKNOWLEDGE:
    case A::TICKET_ACTION_ON_THE_WAY:
    case A::TICKET_ACTION_ARRIVE:
    case A::TICKET_ACTION_HOLD:
    case A::TICKET_ACTION_RESUME:
    case A::TICKET_ACTION_RESOLVE:
    case A::TICKET_ACTION_SUBMIT_REVIEW:
      return role != Role::kAdapter ||
             action == A::TICKET_ACTION_ACKNOWLEDGE;  // staff push replies
    case A::TICKET_ACTION_APPROVE:
    case A::TICKET_ACTION_REJECT:
      return auth::IsManagement(role);  // the supervisor's review
    case A::TICKET_ACTION_CLOSE:
    case A::TICKET_ACTION_REOPEN:
    case A::TICKET_ACTION_CANCEL:
      return role != Role::kTechnician;  // the resident (through an adapter) or the desk
    default:
      return false;
  }
}

bool SetOut(const v1::Ticket& t) {
  for (auto h = t.history().rbegin(); h != t.history().rend(); ++h) {
    if (h->action() == "on_the_way") return true;
    if (h->action() == "acknowledged" || h->action() == "resumed") return false;
  }
  return false;
}

bool IsOpen(v1::TicketStatus s) {
  return s != S::TICKET_STATUS_RESOLVED && s != S::TICKET_STATUS_CLOSED &&
         s != S::TICKET_STATUS_CANCELLED;
}

std::string StatusName(v1::TicketStatus s) {
  return Lower(v1::TicketStatus_Name(s), "TICKET_STATUS_");
}
std::string ActionName(v1::TicketAction a) {
  return Lower(v1::TicketAction_Name(a), "TICKET_ACTION_");
}
std::optional<v1::Priority> ParsePriority(absl::string_view name) {
  std::string p = absl::AsciiStrToUpper(name);
  if (p.size() != 2 || p[0] != 'P' || p[1] < '1' || p[1] > '4') return std::nullopt;
  return static_cast<v1::Priority>(p[1] - '0');
}

std::string PriorityName(v1::Priority p) {
  return p == v1::PRIORITY_UNSPECIFIED ? "" : absl::StrCat("P", static_cast<int>(p));
}

}  // namespace lobby::tickets
