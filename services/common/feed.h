#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/common/queue.h"
#include "services/common/redis.h"

namespace lobby {

/// Orders stream ids ("1700000000000-3"); false for anything that is not one.
bool StreamIdLess(absl::string_view a, absl::string_view b);
bool ValidStreamId(absl::string_view id);

/// One reader of a stream per process, for every server stream that follows it (dispatch's
/// WatchAssignments on lobby:q:tickets, the hotline's WatchCalls): it reads new entries (XREAD
/// BLOCK on a connection of its own) and hands them to each subscriber. Thread-safe; the reader
/// starts with the first subscriber.
class Feed {
 public:
  using Sink = std::function<void(const std::vector<queue::Entry>&)>;
  Feed(redis::Options options, std::string stream)
      : options_(std::move(options)), stream_(std::move(stream)) {}
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
  std::string stream_;
  std::mutex mu_;
  std::map<uint64_t, Sink> sinks_;
  uint64_t next_id_ = 1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace lobby
