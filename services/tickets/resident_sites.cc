#include "services/tickets/resident_sites.h"

namespace lobby::tickets {

absl::StatusOr<ReporterFacts> ResidentSites::Of(absl::string_view resident_id) {
  absl::Time now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(resident_id); it != cache_.end() && now - it->second.second < kTtl)
      return it->second.first;
  }
  auto r = residents_.Get(resident_id);
  if (!r.ok()) return Explained(r.status(), "the reporter's estate (ResidentService)");
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxEntries) cache_.clear();  // a crude bound: refilled at one call each
  ReporterFacts facts{r->unit().site_id(), {r->tags().begin(), r->tags().end()}};
  cache_[std::string(resident_id)] = {facts, now};
  return facts;
}

}  // namespace lobby::tickets
