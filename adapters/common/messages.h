#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "adapters/common/lobby_client.h"
#include "lobby/v1/common.pb.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

// The messages adapters exchange with residents, whatever the channel: replies queued on
// lobby:q:outbound:<channel>, outbound entries as a provider reads them, and the per-sender
// state of a chat or SMS conversation.
namespace lobby::adapters {

/// One reply: short text and optional buttons (label, data).
struct Reply {
  std::string text;
  std::vector<std::pair<std::string, std::string>> buttons;
};

/// Queues `replies` for `to` on lobby:q:outbound:<channel> (after `extra` entries) and sets
/// `seen_key` (a week) to `seen_value`, in one round trip, so that the provider gets its 200
/// only once the replies are durable. UNAVAILABLE when Redis did not take them.
absl::Status QueueReplies(redis::Client& redis, v1::Channel channel,
                          const std::vector<Reply>& replies, const std::string& to,
                          const std::string& seen_key,
                          const std::vector<std::pair<std::string, std::string>>& extra_fields = {},
                          const std::string& seen_value = "1");

using RecipientOf = std::function<absl::StatusOr<Recipient>(const std::string& resident_id)>;

/// An outbound entry as every provider reads it.
struct Outgoing {
  std::string to;  // the provider's id of the recipient
  std::string language;
  std::string text;
  std::vector<std::pair<std::string, std::string>> buttons;
  bool survey = false;  // a survey invitation: `text` ends with its first question
};
/// Whom `message` is for (`to`, or the resident's identity), what it says (`text`, or for
/// messages in every language — safety instructions — the recipient's, else English) and its
/// buttons (a survey gets its first question with score buttons). NOT_FOUND or
/// FAILED_PRECONDITION: it can never be sent; other errors: try again.
absl::StatusOr<Outgoing> ReadOutgoing(const queue::Entry& message, const RecipientOf& recipient_of);

/// Buttons as they travel in an outbound entry: "label\x1fdata\x1e...".
std::string EncodeButtons(const std::vector<std::pair<std::string, std::string>>& buttons);
std::vector<std::pair<std::string, std::string>> DecodeButtons(absl::string_view encoded);

/// The state of one sender's conversation (chat or SMS): a set of fields kept for a while after
/// the last message, so that a restart resumes where the resident was.
class SessionStore {
 public:
  using Fields = std::map<std::string, std::string>;
  virtual ~SessionStore() = default;
  /// The sender's fields; none for a sender with no conversation.
  virtual absl::StatusOr<Fields> Load(v1::Channel channel, const std::string& user) = 0;
  /// Replaces the sender's fields (empty values dropped; none: forgets the sender), kept `ttl`,
  /// and notes that they wrote at `heard` (the providers' windows are counted from it;
  /// InfinitePast for a channel without one).
  virtual absl::Status Save(v1::Channel channel, const std::string& user, const Fields& fields,
                            absl::Duration ttl, absl::Time heard) = 0;
};

/// Sessions in Redis: a hash at lobby:chat:<channel>:<user>, read and written in one round trip.
class RedisSessionStore final : public SessionStore {
 public:
  explicit RedisSessionStore(redis::Client& redis) : redis_(redis) {}
  absl::StatusOr<Fields> Load(v1::Channel channel, const std::string& user) override;
  absl::Status Save(v1::Channel channel, const std::string& user, const Fields& fields,
                    absl::Duration ttl, absl::Time heard) override;
  /// The state key of a sender.
  static std::string Key(v1::Channel channel, const std::string& user);

 private:
  redis::Client& redis_;
};

/// When `user` last wrote on `channel` (Unix ms), kept a week: lobby:chat:heard:<channel>:<user>.
std::string HeardKey(v1::Channel channel, const std::string& user);
/// Whether `user` wrote on `channel` within `window` before `now`: a provider that allows free
/// text only then (WhatsApp 24 h, WeChat 48 h) sends a template or nothing outside it.
absl::StatusOr<bool> HeardWithin(redis::Client& redis, v1::Channel channel, const std::string& user,
                                 absl::Duration window, absl::Time now);

/// Called by the delivery workers once a survey went out to `user`: a digit typed back answers
/// it (kept a week in the sender's session).
absl::Status ExpectSurvey(redis::Client& redis, v1::Channel channel, const std::string& user,
                          const std::string& survey_id);

/// Called by the delivery worker of a channel that shows buttons as a numbered list (WeChat)
/// once a message with `buttons` went out to `user` outside a conversation (a job's push, a
/// notice): a number typed back presses the button of the list they see last, not one of an
/// older answer's.
absl::Status OfferButtons(redis::Client& redis, v1::Channel channel, const std::string& user,
                          const std::vector<std::pair<std::string, std::string>>& buttons);

}  // namespace lobby::adapters
