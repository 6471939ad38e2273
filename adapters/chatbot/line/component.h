#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::line {

/// The LINE adapter as lobbyd hosts it (--adapters=line): the webhook /v1/line/<channel> and the
/// delivery worker of lobby:q:outbound:line.
struct Component {
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<lobby::Component>> Create(const config::Settings& settings,
                                                                  Runtime& runtime);
};

}  // namespace lobby::line
