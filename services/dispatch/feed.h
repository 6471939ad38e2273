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
#include "services/common/feed.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace lobby::dispatch {

/// The ticket event as a watcher of `request` sees it, or nothing when it is not theirs: for a
/// member, what is assigned to them, taken from them, or tells them (pages, escalations,
/// warnings); for a team, what is in or leaves the team.
std::optional<v1::AssignmentEvent> ForWatcher(const queue::Entry& event,
                                              const v1::WatchAssignmentsRequest& request);

}  // namespace lobby::dispatch
