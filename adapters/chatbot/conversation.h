#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lobby/v1/common.pb.h"
#include "lobby/v1/residents.pb.h"
#include "lobby/v1/surveys.pb.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace lobby::chatbot {

/// One message from a resident, whatever the provider.
struct Inbound {
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string user;          // the provider's sender id (identity external_id)
  std::string message_id;    // the provider's id: with the channel, the idempotency key
  std::string text;          // typed text, or the data of the button pressed
  bool button = false;       // `text` came from a button
  std::vector<std::string> photos;  // provider media ids or URLs
};

/// One reply: short text and optional buttons (label, data).
struct Reply {
  std::string text;
  std::vector<std::pair<std::string, std::string>> buttons;
};

/// What the conversation needs of Lobby (the gRPC API, with the adapter's token).
class LobbyApi {
 public:
  virtual ~LobbyApi() = default;
  /// The resident bound to this identity, or nothing.
  virtual absl::StatusOr<std::optional<v1::Resident>> Resolve(v1::Channel channel, const std::string& user) = 0;
  virtual absl::StatusOr<v1::Ticket> GetTicket(const std::string& id) = 0;
  virtual absl::StatusOr<v1::Classification> Classify(const std::string& site, const std::string& text) = 0;
  virtual absl::StatusOr<v1::Catalog> GetCatalog(const std::string& site) = 0;
  virtual absl::StatusOr<v1::Ticket> CreateRepair(const v1::CreateTicketRequest& request) = 0;
  virtual absl::Status SubmitSurvey(const v1::SubmitResponseRequest& request) = 0;
};

/// The channel-independent chat: a state machine per sender, its state in Redis with a
/// one-day TTL (lobby:chat:CHANNEL:USER), so a restart resumes where the resident was.
///
/// Today: the menu; a repair reported in free text (the classifier's guess confirmed with a
/// button, or a category picked from buttons; photos kept until it is created; an emergency
/// created at once as P1 — dispatch then sends the category's safety instructions); a ticket number typed anywhere answered with its status;
/// a survey answered with its buttons (the overall score, then "is it fixed?"; digits work too);
/// "cancel" or "menu" at any step; a sender not yet bound to a resident is told to have the
/// service desk link the chat (binding by SMS code is still to come).
class Conversation {
 public:
  Conversation(redis::Client& redis, LobbyApi& api) : redis_(redis), api_(api) {}
  absl::StatusOr<std::vector<Reply>> Handle(const Inbound& in);

 private:
  absl::StatusOr<std::vector<Reply>> Status(const v1::Resident& r, const std::string& ticket, const std::string& lang);
  absl::StatusOr<std::vector<Reply>> Create(const Inbound& in, const v1::Resident& r, const std::string& category,
                                            const std::string& description, const std::string& lang,
                                            const std::string& photos);
  std::string Key(const Inbound& in) const;

  redis::Client& redis_;
  LobbyApi& api_;
};

/// "R-10042" or "C-10007" found anywhere in `text` (case-insensitive), or "".
std::string FindTicketNumber(const std::string& text);

/// The end of every provider's webhook: runs `in` through the conversation, then queues the
/// replies for `to` on lobby:q:outbound:<channel> (plus `extra` entries, e.g. a callback
/// answer) and marks `seen_key` (a week), all in one round trip, so that the provider gets its
/// 200 only once the replies are durable. Returns the HTTP status to answer with.
int Answer(redis::Client& redis, Conversation& conversation, const Inbound& in, const std::string& to,
           const std::string& seen_key, const std::vector<std::pair<std::string, std::string>>& extra_fields = {});

/// A resident's id on a chat channel (their verified identity there) and their language.
struct Recipient {
  std::string id;
  std::string language;
};
using RecipientOf = std::function<absl::StatusOr<Recipient>(const std::string& resident_id)>;

/// An outbound entry as every provider reads it.
struct Outgoing {
  std::string to;         // the provider's id of the recipient
  std::string language;
  std::string text;
  std::vector<std::pair<std::string, std::string>> buttons;
  bool survey = false;    // a survey invitation: `text` ends with its first question
};
/// Whom `message` is for (`to`, or the resident's identity), what it says (`text`, or for
/// messages in every language — safety instructions — the recipient's, else English) and its
/// buttons (a survey gets its first question with score buttons). NOT_FOUND or
/// FAILED_PRECONDITION: it can never be sent; other errors: try again.
absl::StatusOr<Outgoing> ReadOutgoing(const queue::Entry& message, const RecipientOf& recipient_of);

/// The first `max_chars` characters (code points) of UTF-8 `s`: provider limits count characters,
/// and a cut inside a character would make the message invalid.
std::string Utf8Prefix(absl::string_view s, size_t max_chars);

/// Buttons as they travel in an outbound entry: "label\x1fdata\x1e...".
std::string EncodeButtons(const std::vector<std::pair<std::string, std::string>>& buttons);
std::vector<std::pair<std::string, std::string>> DecodeButtons(absl::string_view encoded);

}  // namespace lobby::chatbot
