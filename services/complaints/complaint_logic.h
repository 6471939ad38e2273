#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/common/roles.h"
#include "services/tickets/ticket_logic.h"

namespace lobby::complaints {

/// The rules only complaints have, on the ticket core: the follow-up contact (回訪) with the
/// complainant once the complaint is resolved. Thread-safe.
class ComplaintLogic {
 public:
  ComplaintLogic(tickets::TicketLogic& tickets, const Clock& clock)
      : tickets_(tickets), clock_(clock) {}

  /// Records who made the follow-up contact, when, and its outcome (ticket.followed_up).
  absl::StatusOr<v1::Ticket> RecordFollowUp(absl::string_view id, const std::string& outcome,
                                            const auth::Principal& actor);

 private:
  tickets::TicketLogic& tickets_;
  const Clock& clock_;
};

}  // namespace lobby::complaints
