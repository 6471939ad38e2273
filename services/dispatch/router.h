#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lobby/v1/dispatch.pb.h"
#include "services/dispatch/calendar.h"

namespace lobby::dispatch {

/// What routing looks at in a ticket.
struct TicketFacts {
  std::string kind;  // "repair" or "complaint"
  std::string category;
  v1::Priority priority = v1::PRIORITY_P3;
  std::string building;
  std::string description;
};

/// Each member's open work, as dispatch counts it.
struct Workload {
  int open = 0;
  std::vector<std::string> buildings;  // of the open tickets
  int64_t last_assigned_ms = 0;        // for round-robin among equals
};
using Workloads = std::map<std::string, Workload>;

/// Decides where a new ticket goes, and says why:
///  1. the first rule that matches (kind, category, priority, building, keywords) names the
///     team and the skill needed; without a matching rule, the first team whose categories and
///     buildings cover the ticket;
///  2. candidates are the team's members on shift (or on call), below capacity, with at least
///     the needed skill in the ticket's category;
///  3. score, for P1/P2 (urgent: the most skilled and experienced):
///        10 x skill + 30 x free share of capacity + 10 x seniority;
///     for P3/P4 (routine: anyone competent, juniors first, seniors kept free):
///        10 x min(skill, 2) + 30 x free share of capacity + 5 x (3 - seniority);
///     plus 5 for an open job in the same building; ties go to whoever was assigned longest ago;
///  4. nobody: the team's fallback team, once; then the team's pool (no assignee).
/// Pure: the same inputs give the same decision.
/// `exclude`: members who may not take it (who declined it), listed with that reason.
v1::Decision Decide(const v1::Estate& estate, const TicketFacts& ticket, absl::Time now,
                    const Workloads& loads, const std::vector<std::string>& exclude = {});

}  // namespace lobby::dispatch
