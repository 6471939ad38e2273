#include "services/residents/component.h"

#include "services/common/status_macros.h"

namespace lobby::residents {

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto config, ResidentsConfig::From(settings));
  auto c = std::unique_ptr<Component>(new Component(runtime, std::move(config)));
  runtime.grpc().Register(&c->service_, "lobby.v1.ResidentService");
  ResidentLogic* logic = &c->logic_;
  runtime.AddConsumer({.stream = queue::kTicketsStream, .group = "timeline"},
                      [logic](const queue::Entry& e) { return logic->HandleTicketEvent(e); });
  return c;
}

Component::Component(Runtime& runtime, ResidentsConfig config)
    : store_(runtime.redis(), runtime.clock()),
      registers_(RegisterCache::Of(runtime)),
      logic_(store_, runtime.clock(), std::move(config), &registers_),
      service_(logic_, runtime.rpc_env()) {}

}  // namespace lobby::residents
