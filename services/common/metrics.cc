#include "services/common/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lobby {
namespace {
const char* kCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};
}  // namespace

void Histogram::Observe(absl::Duration d) {
  double secs = absl::ToDoubleSeconds(d);
  size_t i = 0;
  while (i < kBounds.size() && secs > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(absl::ToInt64Microseconds(d)),
                        std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < kBounds.size() ? absl::StrFormat("%g", kBounds[i]) : "+Inf";
    absl::StrAppend(&out, name, "_bucket{", labels, ",le=\"", le, "\"} ", cumulative, "\n");
  }
  absl::StrAppendFormat(&out, "%s_sum{%s} %.6f\n", name, labels,
                        sum_micros_.load(std::memory_order_relaxed) / 1e6);
  absl::StrAppend(&out, name, "_count{", labels, "} ", count(), "\n");
}

void RpcStats::Record(absl::StatusCode code, absl::Duration latency) {
  int c = static_cast<int>(code);
  if (c < 0 || c >= kCodes) c = static_cast<int>(absl::StatusCode::kUnknown);
  by_code_[c].Observe(latency);
}

uint64_t RpcStats::count(absl::StatusCode code) const {
  return by_code_[static_cast<int>(code)].count();
}

void RpcStats::RenderCounts(std::string& out) const {
  for (int c = 0; c < kCodes; ++c) {
    if (by_code_[c].count() == 0) continue;
    std::string labels = absl::StrCat("method=\"", method_, "\",code=\"", kCodeNames[c], "\"");
    absl::StrAppend(&out, "lobby_rpc_total{", labels, "} ", by_code_[c].count(), "\n");
  }
}

void RpcStats::RenderHistograms(std::string& out) const {
  for (int c = 0; c < kCodes; ++c) {
    if (by_code_[c].count() == 0) continue;
    by_code_[c].Render(out, "lobby_rpc_duration_seconds",
                       absl::StrCat("method=\"", method_, "\",code=\"", kCodeNames[c], "\""));
  }
}

RpcStats* Metrics::Rpc(const std::string& method) {
  std::lock_guard lock(mu_);
  for (RpcStats& s : rpcs_) {
    if (s.method() == method) return &s;
  }
  return &rpcs_.emplace_back(method);
}

void Metrics::AddCollector(std::function<void(std::string&)> collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  out += "# HELP lobby_rpc_total gRPC calls handled, by method and status code.\n";
  out += "# TYPE lobby_rpc_total counter\n";
  for (const RpcStats& s : rpcs_) s.RenderCounts(out);
  out += "# HELP lobby_rpc_duration_seconds gRPC handling time, by method and status code.\n";
  out += "# TYPE lobby_rpc_duration_seconds histogram\n";
  for (const RpcStats& s : rpcs_) s.RenderHistograms(out);
  for (const auto& c : collectors_) c(out);
  return out;
}

}  // namespace lobby
