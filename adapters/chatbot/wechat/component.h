#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::wechat {

/// The WeChat adapter as lobbyd hosts it (--adapters=wechat): the Official Account's webhook
/// /v1/wechat/<account> and the delivery worker of lobby:q:outbound:wechat (the customer-service
/// API allows a few hundred thousand calls a day: 20/s keeps well within).
struct Component {
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<lobby::Component>> Create(const config::Settings& settings,
                                                                  Runtime& runtime);
};

}  // namespace lobby::wechat
