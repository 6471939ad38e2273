#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/common.pb.h"
#include "services/common/roles.h"

namespace lobby::tickets {

enum class Kind { kRepair, kComplaint };

/// The lifecycle rules, as tables.
///
/// Repairs:  new -> assigned -> acknowledged -> on_site -> resolved -> closed
///           acknowledged|on_site -hold-> on_hold -resume-> acknowledged (the visit is redone)
///           acknowledged -on_the_way-> acknowledged (once per visit: SetOut)
///           new|assigned|acknowledged -cancel-> cancelled
///           resolved|closed -reopen-> reopened (within the reopen window) -> assigned|acknowledged
/// Complaints: new -> assigned -> acknowledged -submit_review-> in_review -approve-> resolved
///           in_review -reject-> acknowledged; resolved -close-> closed (after the follow-up)
///           new|assigned -cancel-> cancelled; resolved|closed -reopen-> reopened
/// Assign (and reassign) is allowed from new, assigned, acknowledged, on_hold and reopened.
struct Transition {
  v1::TicketStatus to;
  const char* event;  // "ticket.acknowledged", ...
};

/// The transition `action` makes from `from`, or FAILED_PRECONDITION naming both.
absl::StatusOr<Transition> Next(Kind kind, v1::TicketStatus from, v1::TicketAction action);
bool CanAssign(v1::TicketStatus status);
/// Whether `role` may take `action` (the method-level token check has already passed).
bool MayAct(auth::Role role, v1::TicketAction action);
/// The technician has set out ("on the way") since the job was last acknowledged or resumed.
bool SetOut(const v1::Ticket& ticket);
/// Open = still work to do: not resolved, closed or cancelled.
bool IsOpen(v1::TicketStatus status);

/// "new", "on_site", ...
std::string StatusName(v1::TicketStatus status);
std::string ActionName(v1::TicketAction action);
std::string PriorityName(v1::Priority priority);  // "P1".."P4"
/// "P1".."P4" (any case), or nullopt.
std::optional<v1::Priority> ParsePriority(absl::string_view name);

}  // namespace lobby::tickets
