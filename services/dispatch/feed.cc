#include "services/dispatch/feed.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/tickets/state_machine.h"

namespace lobby::dispatch {
namespace {

bool ParseId(absl::string_view id, std::pair<uint64_t, uint64_t>* out) {
  size_t dash = id.find('-');
  return dash != absl::string_view::npos && absl::SimpleAtoi(id.substr(0, dash), &out->first) &&
         absl::SimpleAtoi(id.substr(dash + 1), &out->second) && id.find_first_not_of("0123456789-") == absl::string_view::npos;
}

}  // namespace

bool ValidStreamId(absl::string_view id) {
  std::pair<uint64_t, uint64_t> p;
  return ParseId(id, &p);
}

bool StreamIdLess(absl::string_view a, absl::string_view b) {
  std::pair<uint64_t, uint64_t> x, y;
  return ParseId(a, &x) && ParseId(b, &y) && x < y;
}

std::optional<v1::AssignmentEvent> ForWatcher(const queue::Entry& e, const v1::WatchAssignmentsRequest& req) {
  absl::string_view type = e.Get("type");
  if (type.rfind("ticket.", 0) != 0 || type == "ticket.commented" || type == "ticket.sla_set") return std::nullopt;
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

uint64_t Feed::Subscribe(Sink sink) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  sinks_[id] = std::move(sink);
  if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { Loop(); });
  return id;
}

void Feed::Unsubscribe(uint64_t id) {
  std::lock_guard lock(mu_);
  sinks_.erase(id);
}

void Feed::Stop() {
  stop_ = true;
  std::thread t;
  {
    std::lock_guard lock(mu_);
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

void Feed::Loop() {
  auto logger = log::Get("dispatch");
  redis::Connection conn(options_);
  std::string last;  // kept across reconnects: nothing is skipped
  absl::Duration backoff = absl::Milliseconds(50);
  while (!stop_) {
    if (!conn.connected()) {
      if (absl::Status s = conn.Connect(); !s.ok()) {
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, absl::Seconds(2));
        continue;
      }
      backoff = absl::Milliseconds(50);
    }
    if (last.empty()) {
      auto r = conn.Command({"XREVRANGE", queue::kTicketsStream, "+", "-", "COUNT", "1"});
      if (!r.ok()) {
        conn.Close();
        continue;
      }
      last = r->elements.empty() ? "0-0" : r->elements[0].elements[0].str;
    }
    auto r = conn.Command({"XREAD", "COUNT", "500", "BLOCK", "200", "STREAMS", queue::kTicketsStream, last},
                          absl::Seconds(5));
    if (!r.ok()) {
      logger->warn("event=feed_read_failed error=\"{}\"", r.status().message());
      conn.Close();
      continue;
    }
    if (r->IsNil() || r->elements.empty()) continue;
    std::vector<queue::Entry> entries = queue::ParseEntries(r->elements[0].elements[1]);
    if (entries.empty()) continue;
    last = entries.back().id;
    std::lock_guard lock(mu_);
    for (auto& [id, sink] : sinks_) sink(entries);
  }
}

}  // namespace lobby::dispatch
