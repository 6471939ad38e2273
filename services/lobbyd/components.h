#pragma once

#include <span>

#include "services/common/component.h"

namespace lobby {

/// Every service and adapter this build has, in the order they are built (a service before those
/// that call it in process: repairs before complaints). lobbyd hosts the ones --services and
/// --adapters name; the test harness hosts every service and the adapters a test configures.
/// Adding a service or a channel is its directory and one line here.
std::span<const ComponentDef> Components();

}  // namespace lobby
