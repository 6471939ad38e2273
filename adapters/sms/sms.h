#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/common/delivery.h"
#include "adapters/common/lobby_client.h"
#include "adapters/common/messages.h"
#include "adapters/common/texts.h"
#include "adapters/common/webhook.h"
#include "adapters/sms/providers.h"
#include "adapters/sms/texting.h"
#include "services/common/clock.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace httplib {
class Server;
}

namespace lobby::sms {

struct SmsConfig {
  std::string public_url;  // Twilio signs <public_url>/v1/sms/twilio exactly as configured there
  bool twilio = false;
  TwilioConfig twilio_config;
  bool aliyun = false;
  AliyunConfig aliyun_config;
  /// Number prefix -> "twilio" or "aliyun", first match wins; "*" matches every number.
  std::vector<std::pair<std::string, std::string>> routes;
  std::string webhook_secret;  // the generic gateway's HMAC key; empty: that webhook is off
  int max_segments = 3;
  double per_second = 10;  // sends per second (the providers' rate limit)
  size_t max_body = 64 << 10;
};

/// "+86=aliyun,*=twilio" -> routes; INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseRoutes(
    const std::string& text);

/// The SMS channel on both sides.
///  Inbound: POST /v1/sms/twilio (form; X-Twilio-Signature over <public_url>/v1/sms/twilio and
///  the sorted parameters, 403 otherwise) and POST /v1/sms/inbound (a generic gateway's JSON
///  {"id","from","text","media":[...]}, X-Lobby-Timestamp and X-Lobby-Signature:
///  sha256=hex(HMAC-SHA256(secret, timestamp + "." + body)), within 5 minutes). Each message id
///  is remembered for a week; the text is queued on lobby:q:inbound:sms with the same round
///  trip and answered 200 — the dialogue (Texting) runs in that queue's consumer, so a text
///  acknowledged to the provider is never lost, and a failure is retried.
///  Delivery receipts: POST /v1/sms/twilio/status (signed the same way) puts delivered /
///  undelivered / failed on the resident's timeline.
///  Outbound: each entry of lobby:q:outbound:sms to the provider its number's prefix is routed
///  to, fitted to max_segments; numbers that texted STOP get only the STOP confirmation.
/// A text from the generic gateway's JSON webhook ({"id", "from", "text", "media"}).
/// INVALID_ARGUMENT for a body that is not one, or a sender that is not E.164.
absl::StatusOr<Text> ParseGatewayText(const std::string& body);

class Sms {
 public:
  /// `phone_of`: a resident's primary number and language. `timeline`: records a receipt.
  using TimelineFn =
      std::function<void(const std::string& resident, const std::string& ticket,
                         const std::string& text, const std::string& idempotency_key)>;
  Sms(SmsConfig config, redis::Client& redis, const Clock& clock, Texting& texting,
      adapters::RecipientOf phone_of, TimelineFn timeline)
      : config_(std::move(config)),
        redis_(redis),
        clock_(clock),
        texting_(texting),
        phone_of_(std::move(phone_of)),
        timeline_(std::move(timeline)) {}

  static constexpr const char* kInboundStream = "lobby:q:inbound:sms";

  void Register(httplib::Server& server);
  /// The consumer of lobby:q:inbound:sms: one text through the dialogue, replies queued.
  absl::Status Receive(const queue::Entry& text);
  /// One outbound message.
  adapters::SendResult Send(const queue::Entry& message);
  /// "twilio" or "aliyun" for a number, or "" when no route matches.
  std::string Route(const std::string& to) const;

 private:
  adapters::HttpAnswer Twilio(const std::string& signature, const std::string& body);
  adapters::HttpAnswer TwilioStatus(const std::string& signature, const std::string& body);
  adapters::HttpAnswer Generic(const std::string& timestamp, const std::string& signature,
                               const std::string& body);
  /// The pipeline of an inbound text webhook, with its authentication and parser.
  adapters::Webhook<Text> Inbound(std::function<absl::Status()> verify,
                                  std::function<absl::StatusOr<Text>(const std::string&)> parse);
  /// Queues the text and marks `seen`, in one round trip.
  absl::Status Queue(const Text& text, const std::string& seen);

  SmsConfig config_;
  redis::Client& redis_;
  const Clock& clock_;
  Texting& texting_;
  adapters::RecipientOf phone_of_;
  TimelineFn timeline_;
};

}  // namespace lobby::sms
