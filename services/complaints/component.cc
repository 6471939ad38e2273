#include "services/complaints/component.h"

#include "services/common/status_macros.h"

namespace lobby::complaints {

void Component::Declare(config::Settings& settings) { tickets::TicketsConfig::Declare(settings); }

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto config, tickets::TicketsConfig::From(settings));
  if (settings.Get("repairs-addr").empty() && settings.Get("lobby-addr").empty() &&
      !runtime.grpc().Hosts("lobby.v1.RepairService")) {
    return settings.Invalid(
        "repairs-addr",
        "complaints need RepairService (the category catalog): host repairs here or give "
        "its address");
  }
  auto c = std::unique_ptr<Component>(new Component(runtime, config));
  runtime.grpc().Register(&c->service_, "lobby.v1.ComplaintService");
  return c;
}

Component::Component(Runtime& runtime, tickets::TicketsConfig config)
    : tickets_(runtime.client_env()),
      store_(runtime.redis(), "lobby:complaints", "C"),
      residents_(runtime.client_env(), runtime.clock()),
      registers_(RegisterCache::Of(runtime)),
      logic_(
          store_, runtime.clock(), tickets::Kind::kComplaint, config,
          [this](absl::string_view site) -> absl::StatusOr<v1::Catalog> {
            auto catalog = tickets_.Catalog(site);
            if (!catalog.ok())
              return Explained(catalog.status(), "the category catalog (RepairService)");
            return catalog;
          },
          [this](absl::string_view id) { return residents_.Of(id); }, &registers_),
      complaints_(logic_, runtime.clock()),
      service_(logic_, complaints_, runtime.rpc_env()) {}

}  // namespace lobby::complaints
