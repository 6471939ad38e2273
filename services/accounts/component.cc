#include "services/accounts/component.h"

#include "services/common/status_macros.h"

namespace lobby::accounts {

void Component::Declare(config::Settings& settings) { AccountsConfig::Declare(settings); }

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto config, AccountsConfig::From(settings));
  auto c = std::unique_ptr<Component>(new Component(runtime, config));
  runtime.grpc().Register(&c->service_, "lobby.v1.AccountService");
  return c;
}

Component::Component(Runtime& runtime, AccountsConfig config)
    : store_(runtime.redis()),
      logic_(store_, runtime.clock(), config,
             [&auth = runtime.auth()](const std::string& digest) { auth.Forget(digest); }),
      service_(logic_, runtime.rpc_env()) {}

}  // namespace lobby::accounts
