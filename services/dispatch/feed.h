#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lobby/v1/dispatch.pb.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace lobby::dispatch {

/// Orders stream ids ("1700000000000-3"); false for anything that is not one.
bool StreamIdLess(absl::string_view a, absl::string_view b);
bool ValidStreamId(absl::string_view id);

/// The ticket event as a watcher of `request` sees it, or nothing when it is not theirs: for a
/// member, what is assigned to them, taken from them, or tells them (pages, escalations,
/// warnings); for a team, what is in or leaves the team.
std::optional<v1::AssignmentEvent> ForWatcher(const queue::Entry& event, const v1::WatchAssignmentsRequest& request);

/// One reader of lobby:q:tickets per process, for every WatchAssignments stream: it reads new
/// entries (XREAD BLOCK on a connection of its own) and hands them to each subscriber.
/// Thread-safe; the reader starts with the first subscriber.
class Feed {
 public:
  using Sink = std::function<void(const std::vector<queue::Entry>&)>;
  explicit Feed(redis::Options options) : options_(std::move(options)) {}
  ~Feed() { Stop(); }

  /// `sink` gets every entry read after this call, on the reader's thread, in stream order.
  /// It must be quick (filter and queue).
  uint64_t Subscribe(Sink sink);
  /// After this returns, the sink is not called again.
  void Unsubscribe(uint64_t id);
  void Stop();

 private:
  void Loop();

  redis::Options options_;
  std::mutex mu_;
  std::map<uint64_t, Sink> sinks_;
  uint64_t next_id_ = 1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace lobby::dispatch
