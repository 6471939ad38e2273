#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace lobby {

/// A fixed-bucket latency histogram; Observe() is lock-free.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  void Observe(absl::Duration d);
  /// Appends the _bucket, _sum and _count lines of `name` with `labels` ("a=\"b\"").
  void Render(std::string& out, const std::string& name, const std::string& labels) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

/// Per-method RPC counts and latency by status code. Registered once, then recorded lock-free.
class RpcStats {
 public:
  explicit RpcStats(std::string method) : method_(std::move(method)) {}
  void Record(absl::StatusCode code, absl::Duration latency);
  void RenderCounts(std::string& out) const;
  void RenderHistograms(std::string& out) const;
  const std::string& method() const { return method_; }
  uint64_t count(absl::StatusCode code) const;

 private:
  static constexpr int kCodes = 17;
  std::string method_;
  std::array<Histogram, kCodes> by_code_;
};

/// The process's metrics: RPC stats, and collectors that append their own series at scrape time
/// (queue lag, Redis errors). Thread-safe.
class Metrics {
 public:
  /// The stats of `method` ("lobby.v1.ResidentService/CreateResident"); stable pointer.
  RpcStats* Rpc(const std::string& method);
  /// `collect` appends Prometheus text (with its # TYPE lines) to its argument.
  void AddCollector(std::function<void(std::string&)> collect);
  /// The Prometheus text exposition format.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::deque<RpcStats> rpcs_;
  std::vector<std::function<void(std::string&)>> collectors_;
};

}  // namespace lobby
