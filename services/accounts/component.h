#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/accounts/account_logic.h"
#include "services/accounts/account_service.h"
#include "services/accounts/redis_account_store.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::accounts {

/// The accounts service as lobbyd hosts it: users, sessions and machine tokens under
/// lobby:accounts, and the reading of the audit trail every service writes.
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);
  AccountLogic& logic() { return logic_; }

 private:
  Component(Runtime& runtime, AccountsConfig config);
  RedisAccountStore store_;
  AccountLogic logic_;
  AccountServiceImpl service_;
};

}  // namespace lobby::accounts
