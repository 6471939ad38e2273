#include "services/complaints/component.h"

namespace lobby::complaints {

void Component::Declare(config::Settings& settings) {
  tickets::TicketsConfig::Declare(settings);
  settings.Declare("repairs-addr", "",
                   "RepairService address for the category catalog (default: this process, which "
                   "must then host repairs)");
}

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings, Runtime& runtime,
                                                             bool repairs_in_process) {
  auto config = tickets::TicketsConfig::From(settings);
  if (!config.ok()) return config.status();
  std::string addr = settings.Get("repairs-addr");
  if (addr.empty() && !repairs_in_process) {
    return settings.Invalid("repairs-addr", "complaints need RepairService: host repairs here or give its address");
  }
  auto c = std::unique_ptr<Component>(new Component(runtime, *config, addr));
  runtime.grpc().Register(&c->service_, "lobby.v1.ComplaintService");
  return c;
}

Component::Component(Runtime& runtime, tickets::TicketsConfig config, std::string repairs_addr)
    : catalog_([&runtime, repairs_addr] { return repairs_addr.empty() ? runtime.grpc().address() : repairs_addr; },
               runtime.service_token()),
      store_(runtime.redis(), "lobby:complaints", "C"),
      residents_([&runtime, a = config.residents_addr] { return a.empty() ? runtime.grpc().address() : a; },
                 runtime.service_token(), runtime.clock()),
      registers_([&runtime, a = config.dispatch_addr] { return a.empty() ? runtime.grpc().address() : a; },
                 runtime.service_token(), runtime.clock()),
      logic_(store_, runtime.clock(), tickets::Kind::kComplaint, config,
             [this](absl::string_view site) { return catalog_.Get(site); },
             [this](absl::string_view id) { return residents_.SiteOf(id); }, &registers_),
      service_(logic_, runtime.rpc_env()) {}

}  // namespace lobby::complaints
