#include "services/calls/component.h"

namespace lobby::calls {

void Component::Declare(config::Settings&) {}  // nothing of its own: the common settings

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings&,
                                                             Runtime& runtime) {
  auto c = std::unique_ptr<Component>(new Component(runtime));
  runtime.grpc().Register(&c->service_, "lobby.v1.HotlineService");
  HotlineServiceImpl* service = &c->service_;
  runtime.OnShutdown([service] { service->EndStreams(); });
  return c;
}

Component::Component(Runtime& runtime)
    : store_(runtime.redis()),
      peers_(runtime.client_env()),
      logic_(store_, runtime.clock(), peers_),
      service_(runtime.rpc_env(), logic_, runtime.redis_options(), RedisCallStore::kEventsStream) {}

}  // namespace lobby::calls
