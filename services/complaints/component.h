#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/complaints/complaint_service.h"
#include "services/tickets/client.h"
#include "services/tickets/redis_ticket_store.h"
#include "services/tickets/resident_sites.h"
#include "services/tickets/ticket_logic.h"

namespace lobby::complaints {

/// The complaints service as lobbyd hosts it: tickets under lobby:complaints, numbered C-10001,
/// with categories from RepairService at --repairs-addr (default: this process).
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  /// Needs RepairService: hosted before this in the process, or at --repairs-addr or
  /// --lobby-addr.
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);
  tickets::TicketLogic& logic() { return logic_; }

 private:
  Component(Runtime& runtime, tickets::TicketsConfig config);
  tickets::Client tickets_;  // the category catalog, from RepairService
  tickets::RedisTicketStore store_;
  tickets::ResidentSites residents_;
  RegisterCache& registers_;  // the process's
  tickets::TicketLogic logic_;
  ComplaintLogic complaints_;
  ComplaintServiceImpl service_;
};

}  // namespace lobby::complaints
