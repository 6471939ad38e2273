#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "adapters/common/lobby_client.h"
#include "adapters/hotline/ami.h"
#include "lobby/v1/hotline.grpc.pb.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/executor.h"
#include "services/common/feed.h"
#include "services/common/runtime.h"
#include "services/common/write_queue.h"

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

/// The hotline's calls: each PBX or call-centre event moves a call (kept in Redis at
/// lobby:hotline:call:<id> for 90 days) and is published on lobby:hotline:events for
/// WatchCalls, in the same round trip.
///  - ringing: the caller's number is looked up in residents; the screen-pop carries the
///    resident, flat, open tickets and last survey score;
///  - answered / ended: the call goes on the resident's timeline;
///  - hung up before anyone answered: a callback task (reason missed_call) for the desk;
///  - a post-call DTMF rating answers the survey of the ticket the call was about (now, or
///    once the agent logs the ticket).
/// Thread-safe: changes to one call are serialised.
/// One event of a cloud call centre's CTI webhook (docs/adapters/hotline.md).
struct CtiEvent {
  std::string event;  // newCall, answer, hangup, rating
  std::string call_id, from, to, agent, recording_url;
  int digit = 0;  // rating
  std::string ticket_id;
};
/// INVALID_ARGUMENT for a body that is not such an event (or lacks what its kind needs).
absl::StatusOr<CtiEvent> ParseCtiEvent(const std::string& body);

class Calls {
 public:
  Calls(HotlineConfig config, redis::Client& redis, const Clock& clock, adapters::GrpcLobbyApi& api)
      : config_(std::move(config)), redis_(redis), clock_(clock), api_(api) {}

  static constexpr const char* kEventsStream = "lobby:hotline:events";

  absl::Status Ringing(const std::string& id, const std::string& caller, const std::string& line);
  absl::Status Offered(const std::string& id, const std::string& agent);
  absl::Status Answered(const std::string& id, const std::string& agent);
  absl::Status Hangup(const std::string& id, const std::string& recording_url);
  absl::Status Rating(const std::string& id, int digit, const std::string& ticket);
  absl::StatusOr<v1::LogCallResponse> Log(const v1::LogCallRequest& req,
                                          const auth::Principal& agent);
  absl::StatusOr<v1::Call> Get(const std::string& id);

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
  absl::StatusOr<std::optional<v1::Call>> Load(const std::string& id);
  /// Loads the call, lets `change` edit it (false: nothing to do) and saves and publishes it
  /// as `type`, under the lock.
  absl::StatusOr<std::optional<v1::Call>> Mutate(const std::string& id, const std::string& type,
                                                 const std::function<bool(v1::Call&)>& change);
  /// The screen-pop for a caller; `number` becomes the caller's number in E.164 where it can
  /// be read (a withheld or unreadable one stays as the PBX sent it).
  v1::ScreenPop Lookup(std::string& number);
  std::string AgentName(const std::string& channel) const;
  void Timeline(const v1::Call& call, const std::string& text, const std::string& key,
                const std::string& ticket = "");
  /// Gives the call's rating to its ticket's survey when both are known.
  absl::Status RecordRating(const std::string& id);

  HotlineConfig config_;
  redis::Client& redis_;
  const Clock& clock_;
  adapters::GrpcLobbyApi& api_;
  std::mutex mu_;
};

class WatchReactor;

/// HotlineService: WatchCalls (every call event of an estate, from now on), GetCall, LogCall.
class HotlineServiceImpl final : public v1::HotlineService::CallbackService {
 public:
  HotlineServiceImpl(const RpcEnv& env, Calls& calls, redis::Options redis_options);
  ~HotlineServiceImpl() override;
  grpc::ServerWriteReactor<v1::CallEvent>* WatchCalls(grpc::CallbackServerContext* ctx,
                                                      const v1::WatchCallsRequest* req) override;
  grpc::ServerUnaryReactor* GetCall(grpc::CallbackServerContext* ctx, const v1::GetCallRequest* req,
                                    v1::Call* resp) override;
  grpc::ServerUnaryReactor* LogCall(grpc::CallbackServerContext* ctx, const v1::LogCallRequest* req,
                                    v1::LogCallResponse* resp) override;
  /// Ends every stream (UNAVAILABLE): shutdown.
  void EndStreams();

 private:
  friend class WatchReactor;
  RpcEnv env_;
  Calls& calls_;
  Executor executor_;  // LogCall calls other services: never on the pool they serve on
  RpcMethod watch_, get_, log_;
  Feed feed_;
  OpenStreams<WatchReactor> streams_;
};

}  // namespace lobby::hotline
