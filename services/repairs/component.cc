#include "services/repairs/component.h"

#include "services/common/status_macros.h"

namespace lobby::repairs {

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto config, tickets::TicketsConfig::From(settings));
  auto c = std::unique_ptr<Component>(new Component(runtime, config));
  runtime.grpc().Register(&c->service_, "lobby.v1.RepairService");
  return c;
}

Component::Component(Runtime& runtime, tickets::TicketsConfig config)
    : store_(runtime.redis(), "lobby:repairs", "R"),
      residents_(runtime.client_env(), runtime.clock()),
      registers_(RegisterCache::Of(runtime)),
      logic_(
          store_, runtime.clock(), tickets::Kind::kRepair, config, nullptr,
          [this](absl::string_view id) { return residents_.Of(id); }, &registers_),
      repairs_(logic_, store_, runtime.clock(), &registers_),
      service_(logic_, repairs_, runtime.rpc_env()) {}

}  // namespace lobby::repairs
