#pragma once

#include <cstdint>
#include <map>

namespace lobby::surveys {

/// A mergeable histogram of durations in seconds, with log buckets 10% wide: bucket 0 holds
/// [0, 1 s), bucket k >= 1 holds [1.1^(k-1), 1.1^k) seconds. Histograms of days, teams or
/// buildings merge by adding their counts. A quantile read from it lies in the same bucket as
/// the true one, so its relative error is below 10% (linear interpolation inside the bucket
/// usually does much better).
class Histogram {
 public:
  static int Bucket(double seconds);
  static double Lower(int bucket);
  static double Upper(int bucket);

  void Add(int bucket, int64_t count) { counts_[bucket] += count; }
  void AddSeconds(double seconds) { Add(Bucket(seconds), 1); }
  int64_t total() const;
  /// The q-quantile (0..1) in seconds; 0 when empty.
  double Quantile(double q) const;

 private:
  std::map<int, int64_t> counts_;
};

}  // namespace lobby::surveys
