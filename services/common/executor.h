#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"

namespace lobby {

/// A fixed pool of threads for request handlers, so gRPC's reactor threads never wait on
/// Redis. Submit() is thread-safe; Stop() runs what was queued, then joins.
class Executor {
 public:
  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// Returns false (and does not run `task`) once stopping.
  bool Submit(absl::AnyInvocable<void() &&> task);
  void Stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<absl::AnyInvocable<void() &&>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace lobby
