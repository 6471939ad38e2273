#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/common/lobby_client.h"
#include "lobby/v1/common.pb.h"
#include "lobby/v1/dispatch.pb.h"
#include "lobby/v1/residents.pb.h"
#include "lobby/v1/surveys.pb.h"
#include "services/common/clock.h"
#include "services/common/estate_register.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace lobby::chatbot {

using adapters::LobbyApi;
using adapters::Recipient;

/// One message from a resident, whatever the provider.
struct Inbound {
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string user;                 // the provider's sender id (identity external_id)
  std::string message_id;           // the provider's id: with the channel, the idempotency key
  std::string text;                 // typed text, or the data of the button pressed
  bool button = false;              // `text` came from a button
  std::vector<std::string> photos;  // provider media ids or URLs
  std::string language;             // the provider's hint for a sender Lobby does not know yet
};

/// One reply: short text and optional buttons (label, data).
struct Reply {
  std::string text;
  std::vector<std::pair<std::string, std::string>> buttons;
};

struct ConversationOptions {
  std::vector<std::string> sites;                  // the estates this bot serves (binding, guests)
  absl::TimeZone time_zone = absl::UTCTimeZone();  // visit windows are offered in local time
};

/// The channel-independent chat: a state machine per sender, its state in Redis with a
/// one-day TTL (lobby:chat:CHANNEL:USER), so a restart resumes where the resident was.
/// See docs/adapters/chatbot.md for the whole conversation.
///  - A sender not bound to a resident links their flat (phone number, then building/floor/flat,
///    then the 6-digit code the residents service sends by SMS), or reports a common-area
///    problem as a guest.
///  - The menu: report a repair, make a complaint, my tickets, the service desk.
///  - A repair: a category from buttons or free text through the classifier (its guess
///    confirmed), a description, own flat or a common area (building, floor, where), photos
///    (any number, also sent before the words), the visit window and entry permission for a
///    flat, then a summary to confirm. An emergency skips the questions and is created as P1
///    at once (dispatch sends the category's safety instructions).
///  - A complaint: subject, description, anonymous or not, confirm.
///  - A ticket number typed anywhere is answered with its status, team and visit window.
///  - Surveys: the score (buttons or a digit), then "fixed?".
///  - "agent", or two messages in a row it cannot understand: a callback task for the desk.
///  - "cancel" / "menu" anywhere; typing a button's label or number works like pressing it.
class Conversation {
 public:
  Conversation(redis::Client& redis, LobbyApi& api, const Clock& clock, ConversationOptions options)
      : redis_(redis), api_(api), clock_(clock), options_(std::move(options)) {}
  absl::StatusOr<std::vector<Reply>> Handle(const Inbound& in);

  /// The state key of a sender.
  static std::string Key(v1::Channel channel, const std::string& user);
  /// Called by the delivery workers once a survey went out: a digit typed back answers it.
  static absl::Status ExpectSurvey(redis::Client& redis, v1::Channel channel,
                                   const std::string& user, const std::string& survey_id);

 private:
  struct Session;
  absl::StatusOr<std::vector<Reply>> Step(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Unbound(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Repair(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Complaint(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Survey(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Status(Session& s, const std::string& ticket);
  absl::StatusOr<std::vector<Reply>> Mine(Session& s);
  absl::StatusOr<std::vector<Reply>> Callback(Session& s, const Inbound& in,
                                              const std::string& reason);
  absl::StatusOr<std::vector<Reply>> CreateRepair(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> NextRepairQuestion(Session& s);
  absl::StatusOr<std::vector<Reply>> Misunderstood(Session& s, const Inbound& in, Reply again);
  absl::StatusOr<const v1::Catalog*> Catalog(Session& s);
  /// The estate's register, or nullptr when it has none (or cannot be read: the services check
  /// again).
  const EstateRegister* Register(Session& s);
  /// The common-area answers so far (building, then floor, then area) checked against the
  /// register and spelled as it spells them; else the question again, saying what is wrong.
  std::optional<Reply> CheckPlace(Session& s, const std::string& step);
  std::vector<std::pair<std::string, std::string>> PlaceButtons(Session& s,
                                                                const std::string& step);
  /// The estate's time zone: visit windows and times are shown in it.
  absl::TimeZone Zone(Session& s);

  redis::Client& redis_;
  LobbyApi& api_;
  const Clock& clock_;
  ConversationOptions options_;
};

/// `en`, `hant` or `hans`, for the language ("en", "zh-Hant", "zh-Hans").
std::string T(const std::string& lang, const char* en, const char* hant, const char* hans);
/// The category's name in the language (else English, else its id).
std::string CategoryName(const v1::Category& c, const std::string& lang);
/// "received", "assigned", ... in the language.
std::string StatusText(v1::TicketStatus s, const std::string& lang);
/// "Tower 1, 12/F, flat A" (or 中文).
std::string UnitText(const v1::Unit& u, const std::string& lang);
/// The complaint subject a complaint category usually has (else "other").
v1::ComplaintSubject SubjectOfCategory(const std::string& category);
/// "R-10042: assigned, team plumbing, visit 11-28 09:00-12:00 (to be confirmed)."
std::string TicketStatusLine(const v1::Ticket& t, const std::string& lang, absl::TimeZone zone);

/// The estate's time zone from its register (`fallback`, the --chat-timezone, where the estate
/// has none or the register cannot be read).
absl::TimeZone EstateZone(const absl::StatusOr<v1::EstateRegister>& reg, absl::TimeZone fallback);

/// "R-10042" or "C-10007" found anywhere in `text` (case-insensitive), or "".
std::string FindTicketNumber(const std::string& text);

/// The end of every provider's webhook: runs `in` through the conversation, then queues the
/// replies for `to` on lobby:q:outbound:<channel> (plus `extra` entries, e.g. a callback
/// answer) and marks `seen_key` (a week), all in one round trip, so that the provider gets its
/// 200 only once the replies are durable. Returns the HTTP status to answer with.
int Answer(redis::Client& redis, Conversation& conversation, const Inbound& in,
           const std::string& to, const std::string& seen_key,
           const std::vector<std::pair<std::string, std::string>>& extra_fields = {});

/// Queues `replies` for `to` on lobby:q:outbound:<channel> (after `extra` entries) and sets
/// `seen_key` (a week) to `seen_value`, in one round trip. Returns 200, or 503.
int QueueReplies(redis::Client& redis, v1::Channel channel, const std::vector<Reply>& replies,
                 const std::string& to, const std::string& seen_key,
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

/// The first `max_chars` characters (code points) of UTF-8 `s`: provider limits count characters,
/// and a cut inside a character would make the message invalid.
std::string Utf8Prefix(absl::string_view s, size_t max_chars);
/// A failure worth the provider's retry (Lobby unreachable, a deadline, a conflict, a wrong
/// token), as opposed to a message Lobby will never take (bad input, a refused action).
bool IsTransient(const absl::Status& s);
/// Nothing but white space and invisible characters (zero-width spaces, NBSP, BOM, ...).
bool IsBlank(absl::string_view s);
/// The longest description passed on, in characters (RepairService takes as many).
inline constexpr size_t kMaxDescriptionChars = 5000;

/// Buttons as they travel in an outbound entry: "label\x1fdata\x1e...".
std::string EncodeButtons(const std::vector<std::pair<std::string, std::string>>& buttons);
std::vector<std::pair<std::string, std::string>> DecodeButtons(absl::string_view encoded);

}  // namespace lobby::chatbot
