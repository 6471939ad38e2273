#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lobby/v1/common.pb.h"
#include "services/common/clock.h"
#include "services/common/queue.h"
#include "services/common/redis.h"
#include "services/common/runtime.h"

namespace lobby::adapters {

/// What a provider's send API answered.
struct SendResult {
  /// kSkipped: not to be sent, by policy (e.g. the number opted out); acked, not dead-lettered.
  /// kFallback: the provider will not take it now (outside its window, no template): the
  /// message goes to the resident by SMS, or is recorded as undeliverable.
  enum Kind { kSent, kRetry, kFailed, kSkipped, kFallback } kind = kSent;
  absl::Duration retry_after =
      absl::ZeroDuration();  // kRetry: at least this long (429 Retry-After)
  std::string error;         // kRetry, kFailed: why
  std::string provider_id;   // kSent: the provider's message id
};

/// A message that could not be prepared: NOT_FOUND and FAILED_PRECONDITION can never be sent
/// (refused), anything else is tried again.
SendResult Unsendable(const absl::Status& status);
/// A provider's error answer: rate limits (HTTP 429, or `rate_limited` for providers that say
/// so in the body) are waited out for `retry_after`, server errors tried again, anything else
/// refused for good. `why` becomes "<status> <why>".
SendResult HttpFailure(int status, const std::string& why, bool rate_limited = false,
                       absl::Duration retry_after = absl::Seconds(1));

/// Sends one outbound message (an entry of lobby:q:outbound:<channel>) through a provider.
using SendFn = std::function<SendResult(const queue::Entry& message)>;
/// Called after a message to a resident was delivered (the timeline records it).
using DeliveredFn = std::function<void(const queue::Entry& message, const SendResult& result)>;
/// Called for a message the provider will not take now (kFallback): sends it another way or
/// records why it cannot be; an error is retried (a Permanent one dead-letters the message).
using FallbackFn = std::function<absl::Status(const queue::Entry& message, const SendResult& why)>;

struct DeliveryOptions {
  std::string channel;                               // telegram, whatsapp, ...
  int attempts = 4;                                  // per delivery of the entry
  absl::Duration backoff = absl::Milliseconds(500);  // doubled after each failed attempt
  absl::Duration max_wait = absl::Seconds(30);  // the longest single wait (Retry-After included)
  double per_second = 25;                       // the provider's rate limit
};

/// The handler of a channel's delivery consumer: sends each message once, however often the
/// entry is delivered (the idempotency key is remembered for a week after a send), spaced to
/// the provider's rate, retrying with exponential backoff and honouring Retry-After. A message
/// that cannot be sent after the attempts stays pending and comes round again (XAUTOCLAIM)
/// until the consumer dead-letters it with the last error; one the provider refuses for good
/// goes to the dead-letter stream at once. So a message acked by Lobby is either delivered or
/// in lobby:q:dlq with its reason.
class Delivery {
 public:
  Delivery(redis::Client& redis, DeliveryOptions options, SendFn send,
           DeliveredFn delivered = nullptr, FallbackFn fallback = nullptr);
  absl::Status Handle(const queue::Entry& message);

 private:
  void Pace();

  redis::Client& redis_;
  DeliveryOptions options_;
  SendFn send_;
  DeliveredFn delivered_;
  FallbackFn fallback_;
  std::mutex mu_;
  absl::Time next_slot_ = absl::InfinitePast();
};

class GrpcLobbyApi;

/// A delivery worker for `channel` at the provider's `per_second`: a consumer of
/// lobby:q:outbound:<channel> on the runtime that sends with `send` and records each message
/// delivered to a resident on their timeline through `api`. A message the provider will not
/// take now goes to the resident by SMS (lobby:q:outbound:sms) unless they opted out of it or
/// have no number; then it is recorded on their timeline as undeliverable. Both are counted in
/// /metrics (lobby_outbound_fallbacks_total). The caller keeps it.
std::unique_ptr<Delivery> StartDelivery(Runtime& runtime, GrpcLobbyApi& api, v1::Channel channel,
                                        double per_second, SendFn send);

}  // namespace lobby::adapters
