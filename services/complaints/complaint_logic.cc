#include "services/complaints/complaint_logic.h"

#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::complaints {

using tickets::CheckText;

absl::StatusOr<v1::Ticket> ComplaintLogic::RecordFollowUp(absl::string_view id,
                                                          const std::string& outcome,
                                                          const auth::Principal& actor) {
  LOBBY_RETURN_IF_ERROR(CheckText("outcome", outcome, 2000, true));
  return tickets_.Mutate(id, 0, actor, [&](v1::Ticket& t, std::string& type, std::string& note) {
    if (!t.has_complaint()) return absl::FailedPreconditionError("follow-ups are for complaints");
    if (t.status() != v1::TICKET_STATUS_RESOLVED) {
      return absl::FailedPreconditionError(
          "the follow-up contact is made once the complaint is resolved");
    }
    v1::FollowUp& f = *t.mutable_complaint()->mutable_follow_up();
    f.set_by(actor.name);
    *f.mutable_at() = ToTimestamp(clock_.Now());
    f.set_outcome(outcome);
    type = "ticket.followed_up";
    note = outcome;
    return absl::OkStatus();
  });
}

}  // namespace lobby::complaints
