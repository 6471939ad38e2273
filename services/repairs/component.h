#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/repairs/repair_service.h"
#include "services/tickets/redis_ticket_store.h"
#include "services/tickets/resident_sites.h"
#include "services/tickets/ticket_logic.h"

namespace lobby::repairs {

/// The repairs service as lobbyd hosts it: tickets under lobby:repairs, numbered R-10001, and
/// the site category catalogs.
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings) { tickets::TicketsConfig::Declare(settings); }
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);
  tickets::TicketLogic& logic() { return logic_; }

 private:
  Component(Runtime& runtime, tickets::TicketsConfig config);
  tickets::RedisTicketStore store_;
  tickets::ResidentSites residents_;
  RegisterCache& registers_;  // the process's
  tickets::TicketLogic logic_;
  RepairLogic repairs_;
  RepairServiceImpl service_;
};

}  // namespace lobby::repairs
