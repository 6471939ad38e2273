#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/log.h"
#include "services/common/redis.h"
#include "services/common/status_macros.h"

namespace httplib {
struct Response;
}

// The webhook pipeline every inbound adapter runs: size limit -> verify -> parse -> replay guard
// -> answer, with the one mapping of outcomes to HTTP statuses.
namespace lobby::adapters {

/// What a webhook answers its provider.
struct HttpAnswer {
  int status = 200;
  std::string body = "ok";
};

/// The one mapping from an outcome to what a provider is answered (STYLE.md): OK 200 (its
/// message as the body, "ok" without); INVALID_ARGUMENT 400 (malformed: sending it again cannot
/// help); UNAUTHENTICATED 401 (a bad signature, secret or timestamp); PERMISSION_DENIED 403 (a
/// bad link signature); NOT_FOUND 404 (no such bot, channel or account); RESOURCE_EXHAUSTED 413
/// (over the size limit); anything else 503 "try again": transient, and the provider retries.
HttpAnswer AnswerFor(const absl::Status& outcome);
/// Writes `answer` as a text/plain response.
void Respond(const HttpAnswer& answer, httplib::Response& res);

/// RESOURCE_EXHAUSTED when `body` is longer than `max_body`.
absl::Status CheckSize(const std::string& body, size_t max_body);

/// Deliveries already handled, remembered a week at lobby:adapters:seen:<scope>:<id>: a provider
/// retrying a delivery it did not see answered gets 200 and no second effect.
class ReplayGuard {
 public:
  static constexpr int kTtlSeconds = 604800;
  ReplayGuard(redis::Client& redis, std::string scope)
      : redis_(redis), prefix_("lobby:adapters:seen:" + std::move(scope) + ":") {}
  std::string Key(absl::string_view id) const { return prefix_ + std::string(id); }
  /// Whether `id` was handled; UNAVAILABLE when Redis cannot tell.
  absl::StatusOr<bool> Seen(absl::string_view id) const;
  /// The command that marks a delivery handled by its `key`: sent in the same round trip as the
  /// delivery's effect.
  static redis::Args MarkArgs(const std::string& key, const std::string& value = "1") {
    return {"SET", key, value, "EX", std::to_string(kTtlSeconds)};
  }

 private:
  redis::Client& redis_;
  std::string prefix_;
};

/// One webhook delivery through the pipeline, in order: the size limit, the provider's
/// authentication (`verify`: UNAUTHENTICATED, NOT_FOUND), the whole body parsed before any of it
/// is acted on (`parse`: INVALID_ARGUMENT, so a malformed body changes nothing), then per
/// message the replay guard (`id`: its delivery id, "" for messages that are never repeated)
/// and `handle`, which stores the message's effect and marks its seen key in one round trip.
/// Answers 200 "duplicate" when every message was handled before. Refusals are logged on
/// `logger` as event=<code> with the reason.
template <typename Message>
struct Webhook {
  const char* logger;
  size_t max_body;
  std::function<absl::Status()> verify;
  std::function<absl::StatusOr<std::vector<Message>>(const std::string& body)> parse;
  std::function<std::string(const Message&)> id;
  std::function<absl::Status(const Message&, const std::string& seen_key)> handle;

  HttpAnswer Run(const std::string& body, const ReplayGuard& guard) const {
    absl::StatusOr<std::vector<Message>> messages = Check(body);
    if (!messages.ok()) return Refused(messages.status());
    size_t handled = 0;
    for (const Message& m : *messages) {
      std::string key = id(m);
      if (!key.empty()) {
        absl::StatusOr<bool> seen = guard.Seen(key);
        if (!seen.ok()) return AnswerFor(seen.status());
        if (*seen) continue;  // a retried delivery
      }
      if (absl::Status s = handle(m, key.empty() ? "" : guard.Key(key)); !s.ok())
        return AnswerFor(s);
      ++handled;
    }
    return handled == 0 && !messages->empty() ? HttpAnswer{200, "duplicate"} : HttpAnswer{};
  }

 private:
  absl::StatusOr<std::vector<Message>> Check(const std::string& body) const {
    LOBBY_RETURN_IF_ERROR(CheckSize(body, max_body));
    LOBBY_RETURN_IF_ERROR(verify());
    return parse(body);
  }
  HttpAnswer Refused(const absl::Status& s) const {
    log::Get(logger)->warn("event=refused code={} error=\"{}\"", absl::StatusCodeToString(s.code()),
                           s.message());
    return AnswerFor(s);
  }
};

}  // namespace lobby::adapters
