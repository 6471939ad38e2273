#include "services/surveys/histogram.h"

#include <algorithm>
#include <cmath>

namespace lobby::surveys {
namespace {
const double kLogBase = std::log(1.1);
}  // namespace

int Histogram::Bucket(double seconds) {
  if (seconds < 1) return 0;
  return 1 + static_cast<int>(std::floor(std::log(seconds) / kLogBase));
}

double Histogram::Lower(int bucket) { return bucket == 0 ? 0 : std::pow(1.1, bucket - 1); }
double Histogram::Upper(int bucket) { return std::pow(1.1, bucket); }

int64_t Histogram::total() const {
  int64_t n = 0;
  for (const auto& [b, c] : counts_) n += c;
  return n;
}

double Histogram::Quantile(double q) const {
  int64_t n = total();
  if (n == 0) return 0;
  double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(n);
  int64_t seen = 0;
  for (const auto& [b, c] : counts_) {
    if (c <= 0) continue;
    if (static_cast<double>(seen + c) >= rank) {
      double within = (rank - static_cast<double>(seen)) / static_cast<double>(c);
      return Lower(b) + (Upper(b) - Lower(b)) * within;
    }
    seen += c;
  }
  return Upper(counts_.rbegin()->first);
}

}  // namespace lobby::surveys
