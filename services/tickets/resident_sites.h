#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/common/clock.h"
#include "services/residents/client.h"
#include "services/tickets/ticket_logic.h"

namespace lobby::tickets {

/// The estate each resident lives in and their tags, asked of ResidentService through
/// `residents` and kept for kTtl (a resident moving estates is rare; a create in that minute is
/// checked against the old estate). Thread-safe.
class ResidentSites {
 public:
  static constexpr absl::Duration kTtl = absl::Seconds(60);
  static constexpr size_t kMaxEntries = 100000;

  ResidentSites(ClientEnv env, const Clock& clock) : residents_(std::move(env)), clock_(clock) {}
  /// NOT_FOUND for no such resident; the service's error otherwise.
  absl::StatusOr<ReporterFacts> Of(absl::string_view resident_id);

 private:
  residents::Client residents_;
  const Clock& clock_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::pair<ReporterFacts, absl::Time>> cache_;
};

}  // namespace lobby::tickets
