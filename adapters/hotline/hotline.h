#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "adapters/hotline/ami.h"
#include "services/calls/client.h"
#include "services/common/clock.h"

namespace httplib {
class Server;
}

namespace lobby::hotline {

struct HotlineConfig {
  /// What a call dials (an Asterisk queue or extension, or a call centre's hotline number) ->
  /// the estate whose hotline it is. Calls on other lines are not Lobby's.
  std::map<std::string, std::string> lines;
  /// PBX interfaces ("PJSIP/1001") -> agent names; others are shown as the interface.
  std::map<std::string, std::string> agents;
  std::string webhook_secret;  // the CTI webhook's HMAC key; empty: /v1/hotline/events is off
};

/// One event of a cloud call centre's CTI webhook (docs/adapters/hotline.md).
struct CtiEvent {
  std::string event;  // newCall, answer, hangup, rating
  std::string call_id, from, to, agent, recording_url;
  int digit = 0;  // rating
  std::string ticket_id;
};
/// INVALID_ARGUMENT for a body that is not such an event (or lacks what its kind needs).
absl::StatusOr<CtiEvent> ParseCtiEvent(const std::string& body);

/// The hotline adapter: the phone system's protocol only. It reads Asterisk's AMI events and the
/// CTI webhook, keeps the calls on the hotline's lines, names the agents, and reports each event
/// to the calls service (HotlineService.ReportCall), which keeps the call records.
class Hotline {
 public:
  Hotline(HotlineConfig config, const Clock& clock, calls::Client& calls)
      : config_(std::move(config)), clock_(clock), calls_(calls) {}

  /// One AMI event (Newchannel, QueueCallerJoin, DialBegin, BridgeEnter, Hangup, UserEvent
  /// LobbyRating); others are ignored.
  void OnAmi(const AmiMessage& event);
  /// POST /v1/hotline/events: {"event": "newCall" | "answer" | "hangup" | "rating", "call_id",
  /// "from", "to", "agent", "recording_url", "digit", "ticket_id"}, signed like every generic
  /// webhook (X-Lobby-Timestamp, X-Lobby-Signature). Returns the HTTP status and body.
  std::pair<int, std::string> OnWebhook(const std::string& timestamp, const std::string& signature,
                                        const std::string& body);
  void Register(httplib::Server& server);

 private:
  /// A ringing call on one of the hotline's lines; OK and nothing reported for another line.
  absl::Status Ringing(const std::string& id, const std::string& caller, const std::string& line);
  absl::Status Report(const std::string& id, v1::CallReport event,
                      const std::function<void(v1::ReportCallRequest&)>& fill = nullptr);
  std::string AgentName(const std::string& channel) const;

  HotlineConfig config_;
  const Clock& clock_;
  calls::Client& calls_;
};

}  // namespace lobby::hotline
