#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::whatsapp {

/// The WhatsApp adapter as lobbyd hosts it (--adapters=whatsapp): the Cloud API webhook
/// /v1/whatsapp and the delivery worker of lobby:q:outbound:whatsapp.
struct Component {
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<lobby::Component>> Create(const config::Settings& settings,
                                                                  Runtime& runtime);
};

}  // namespace lobby::whatsapp
