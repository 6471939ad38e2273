#include "services/dispatch/feed.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/tickets/state_machine.h"

namespace lobby::dispatch {

std::optional<v1::AssignmentEvent> ForWatcher(const queue::Entry& e,
                                              const v1::WatchAssignmentsRequest& req) {
  absl::string_view type = e.Get("type");
  if (type.rfind("ticket.", 0) != 0 || type == "ticket.commented" || type == "ticket.sla_set")
    return std::nullopt;
  if (!req.site_id().empty() && e.Get("site_id") != req.site_id()) return std::nullopt;
  std::vector<absl::string_view> notify = absl::StrSplit(e.Get("notify"), ',', absl::SkipEmpty());
  bool mine;
  if (!req.member().empty()) {
    mine = e.Get("assignee") == req.member() || e.Get("previous_assignee") == req.member() ||
           std::find(notify.begin(), notify.end(), req.member()) != notify.end();
  } else {
    mine = e.Get("team") == req.team() || e.Get("previous_team") == req.team();
  }
  if (!mine) return std::nullopt;
  v1::AssignmentEvent out;
  out.set_cursor(e.id);
  out.set_type(std::string(type));
  out.set_ticket_id(std::string(e.Get("ticket_id")));
  out.set_site_id(std::string(e.Get("site_id")));
  out.set_kind(std::string(e.Get("kind")));
  out.set_team(std::string(e.Get("team")));
  out.set_assignee(std::string(e.Get("assignee")));
  out.set_previous_assignee(std::string(e.Get("previous_assignee")));
  out.set_status(std::string(e.Get("status")));
  out.set_priority(tickets::ParsePriority(e.Get("priority")).value_or(v1::PRIORITY_UNSPECIFIED));
  out.set_category(std::string(e.Get("category")));
  out.set_building(std::string(e.Get("building")));
  out.set_emergency(e.Get("emergency") == "1");
  out.set_note(std::string(e.Get("note")));
  int64_t at = 0;
  if (absl::SimpleAtoi(e.Get("at"), &at)) *out.mutable_at() = ToTimestamp(absl::FromUnixMillis(at));
  out.set_stage(std::string(e.Get("stage")));
  for (auto n : notify) out.add_notify(std::string(n));
  return out;
}

}  // namespace lobby::dispatch
