#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace lobby::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Prints "name: N ops in S s = R/s  (p50 X ms, p99 Y ms)".
inline void Report(const std::string& name, size_t ops, double seconds,
                   std::vector<double> latencies_ms = {}) {
  std::printf("%-46s %8zu ops %7.2f s %10.0f ops/s", name.c_str(), ops, seconds, ops / seconds);
  if (!latencies_ms.empty()) {
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto pct = [&](double p) {
      return latencies_ms[static_cast<size_t>(p * (latencies_ms.size() - 1))];
    };
    std::printf("   p50 %.2f ms  p99 %.2f ms", pct(0.50), pct(0.99));
  }
  std::printf("\n");
  std::fflush(stdout);
}

/// Extra lobbyd flags for experiments, from LOBBY_BENCH_FLAGS="--workers 16 ...".
inline std::vector<std::string> ExtraFlags() {
  std::vector<std::string> out;
  const char* f = std::getenv("LOBBY_BENCH_FLAGS");
  std::string cur;
  for (const char* c = f ? f : ""; *c; ++c) {
    if (*c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(*c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace lobby::bench
