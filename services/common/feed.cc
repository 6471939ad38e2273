#include "services/common/feed.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "services/common/log.h"

namespace lobby {
namespace {

bool ParseId(absl::string_view id, std::pair<uint64_t, uint64_t>* out) {
  size_t dash = id.find('-');
  return dash != absl::string_view::npos && absl::SimpleAtoi(id.substr(0, dash), &out->first) &&
         absl::SimpleAtoi(id.substr(dash + 1), &out->second) &&
         id.find_first_not_of("0123456789-") == absl::string_view::npos;
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
  auto logger = log::Get("feed");
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
      auto r = conn.Command({"XREVRANGE", stream_, "+", "-", "COUNT", "1"});
      if (!r.ok()) {
        conn.Close();
        continue;
      }
      last = r->elements.empty() ? "0-0" : r->elements[0].elements[0].str;
    }
    auto r = conn.Command({"XREAD", "COUNT", "500", "BLOCK", "200", "STREAMS", stream_, last},
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

}  // namespace lobby
