#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lobby/v1/common.pb.h"
#include "lobby/v1/dispatch.pb.h"
#include "services/dispatch/calendar.h"

namespace lobby::dispatch {

/// The first SLA policy of `estate` that matches, or nullptr.
const v1::SlaPolicy* PolicyFor(const v1::Estate& estate, absl::string_view kind,
                               absl::string_view category, v1::Priority priority);

/// One clock of a ticket: from the start of its cycle (creation, or the last reopening) to its
/// deadline, in the policy's calendar, less the time on hold.
struct Stage {
  std::string name;  // acknowledge (complaints: respond), arrive, resolve
  absl::Time due = absl::InfiniteFuture();
  absl::Time warn_at = absl::InfiniteFuture();
  std::optional<absl::Time> done;  // when the stage was met (or became moot)
};

/// A ticket's clocks, derived from the ticket alone (its history says when it was created,
/// reopened, acknowledged, on hold, ...), so that it can be recomputed at any time, after any
/// restart, in any order of events.
struct SlaView {
  absl::Time cycle_start;
  bool paused = false;  // on hold now: no deadline moves toward a breach
  std::vector<Stage> stages;
  v1::SlaDeadlines deadlines;  // what the ticket should carry (no events)
};
SlaView ComputeSla(const v1::Ticket& ticket, const v1::SlaPolicy& policy, const Calendar& calendar);

/// Something the clocks want done.
struct SlaAction {
  enum Kind { kWarn, kBreach, kEscalate, kPage, kReassign } kind;
  std::string stage;  // for kEscalate also "unclaimed" or "unacknowledged"
  int level = 0;      // kEscalate: the step of the chain
  absl::Time at;      // when it is due
  absl::Time due;     // the deadline it is about
  std::string why;    // kReassign: "not acknowledged within 10m", "lee is off shift"
};

/// What is due at `now` (in order) and when the next thing falls due. Whatever the ticket's SLA
/// events already record (in this cycle) is not due again. `estate` names supervisors, the chain
/// and the shifts; `page` says whether this ticket pages the whole team (P1).
struct SlaPlan {
  std::vector<SlaAction> due;
  absl::Time next = absl::InfiniteFuture();
};
SlaPlan PlanSla(const v1::Ticket& ticket, const SlaView& view, const v1::SlaPolicy* policy,
                const v1::Estate& estate, absl::Time now);

/// The escalation chain: the estate's, or the team's supervisor at once.
std::vector<v1::EscalationStep> Chain(const v1::Estate& estate);

/// Whether the ticket's SLA events hold one of `kind` for `stage` (and `level`) since `since`.
bool Recorded(const v1::Ticket& ticket, absl::string_view kind, absl::string_view stage, int level,
              absl::Time since);

}  // namespace lobby::dispatch
