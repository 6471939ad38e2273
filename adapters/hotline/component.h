#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "adapters/hotline/ami.h"
#include "adapters/hotline/hotline.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::hotline {

/// The hotline adapter as lobbyd hosts it (--adapters=hotline): the AMI client (when
/// --hotline-ami-host is set) and the CTI webhook, reporting to the calls service.
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);
  ~Component() override;

 private:
  Component(Runtime& runtime, HotlineConfig config, const std::string& token);
  calls::Client calls_;
  Hotline hotline_;
  std::unique_ptr<AmiClient> ami_;
};

}  // namespace lobby::hotline
