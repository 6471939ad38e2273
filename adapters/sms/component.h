#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "adapters/common/delivery.h"
#include "adapters/sms/sms.h"
#include "adapters/sms/texting.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::sms {

/// The SMS adapter as lobbyd hosts it (--adapters=sms): the Twilio and generic gateway webhooks,
/// the consumer of the texts received (the dialogue), and the delivery worker of
/// lobby:q:outbound:sms at the providers' rate.
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

 private:
  Component(Runtime& runtime, adapters::GrpcLobbyApi& api, adapters::ServedEstates estates,
            SmsConfig config);
  adapters::GrpcLobbyApi& api_;
  Texting texting_;
  Sms sms_;
  std::unique_ptr<adapters::Delivery> delivery_;
};

}  // namespace lobby::sms
