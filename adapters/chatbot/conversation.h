#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/common/lobby_client.h"
#include "adapters/common/messages.h"
#include "adapters/common/texts.h"
#include "lobby/v1/common.pb.h"
#include "lobby/v1/dispatch.pb.h"
#include "lobby/v1/residents.pb.h"
#include "lobby/v1/surveys.pb.h"
#include "services/common/clock.h"
#include "services/common/estate_register.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace lobby::chatbot {

using adapters::CategoryName;
using adapters::DecodeButtons;
using adapters::EncodeButtons;
using adapters::EstateZone;
using adapters::FindTicketNumber;
using adapters::IsBlank;
using adapters::IsTransient;
using adapters::LobbyApi;
using adapters::Outgoing;
using adapters::QueueReplies;
using adapters::ReadOutgoing;
using adapters::Recipient;
using adapters::RecipientOf;
using adapters::Reply;
using adapters::StatusText;
using adapters::SubjectOfCategory;
using adapters::T;
using adapters::TicketStatusLine;
using adapters::UnitText;
using adapters::Utf8Prefix;

/// One message from a resident, whatever the provider.
struct Inbound {
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::string user;                 // the provider's sender id (identity external_id)
  std::string message_id;           // the provider's id: with the channel, the idempotency key
  std::string text;                 // typed text, or the data of the button pressed
  bool button = false;              // `text` came from a button
  std::vector<std::string> photos;  // provider media ids or URLs
  std::string language;             // the provider's hint for a sender Lobby does not know yet
  bool read = false;  // no message: the provider says `user` read ours (WhatsApp's "read" status)
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
///  - A proposed visit (the notice's buttons): confirm it, or ask for another time in words (a
///    comment on the repair for the team); a button for a visit that moved on gets the status.
///  - "agent", or two messages in a row it cannot understand: a callback task for the desk.
///  - "cancel" / "menu" anywhere; typing a button's label or number works like pressing it.
///  - Staff (with `staff`): STAFF links a member of the estate's staff (their phone in the
///    estate YAML, then the code sent to it); a linked member gets the staff menu instead (my
///    jobs, the team pool with Claim, a job's details), and the buttons of their assignment
///    pushes act for them: Acknowledge, On site, Hold (a reason), Resume, Resolve (a note and
///    photos), Decline (a reason), a P1 page's "I take it" (the first one wins). A button the
///    ticket moved past is answered with where it stands.
class Conversation {
 public:
  Conversation(adapters::SessionStore& sessions, LobbyApi& api, const Clock& clock,
               ConversationOptions options, adapters::StaffApi* staff = nullptr)
      : sessions_(sessions),
        api_(api),
        staff_api_(staff),
        clock_(clock),
        options_(std::move(options)) {}
  absl::StatusOr<std::vector<Reply>> Handle(const Inbound& in);

 private:
  struct Session;
  // Staff (staff.cc).
  absl::StatusOr<std::vector<Reply>> LinkStaff(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Staff(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> StaffJob(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> StaffJobs(Session& s, bool pool);
  /// What the member may do next with `t`, as buttons, after `text`.
  Reply JobReply(Session& s, const v1::Ticket& t, std::string text);
  absl::StatusOr<std::vector<Reply>> Step(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Unbound(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Repair(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Complaint(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Survey(Session& s, const Inbound& in);
  absl::StatusOr<std::vector<Reply>> Visit(Session& s, const Inbound& in);
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

  adapters::SessionStore& sessions_;
  LobbyApi& api_;
  adapters::StaffApi* staff_api_;  // null: this chat serves residents only
  const Clock& clock_;
  ConversationOptions options_;
};

/// What a chat provider is given by the process hosting it: Redis (its replay guard, its tokens),
/// the clock, the conversation its residents' messages go to, and their addresses on its channel.
struct ProviderHost {
  redis::Client& redis;
  const Clock& clock;
  Conversation& conversation;
  RecipientOf recipient_of;
};

/// Whether `message` may go to `to` as free text on `channel`, a provider that allows it only
/// within `window` of the recipient's last message (WhatsApp, WeChat): answers to a message just
/// received always may; otherwise it is the time they last wrote. An error: try again.
absl::StatusOr<bool> InWindow(const ProviderHost& host, v1::Channel channel,
                              const queue::Entry& message, const std::string& to,
                              absl::Duration window);

/// What a provider's template carries, for a message sent outside its window: the ticket's
/// number, and the text without it in front, on one line (templates take no line breaks).
std::pair<std::string, std::string> TemplateParameters(const queue::Entry& message,
                                                       const std::string& text);

/// The end of every chat provider's webhook: runs `in` through the conversation, then queues the
/// replies for `to` on lobby:q:outbound:<channel> (plus `extra` entries, e.g. a callback
/// answer) and marks `seen_key` (a week), all in one round trip (adapters::QueueReplies). A
/// failure is transient (the conversation answers what it can never take): the provider retries.
absl::Status Answer(const ProviderHost& host, const Inbound& in, const std::string& to,
                    const std::string& seen_key,
                    const std::vector<std::pair<std::string, std::string>>& extra_fields = {});

/// The longest description passed on, in characters (RepairService takes as many).
inline constexpr size_t kMaxDescriptionChars = 5000;

}  // namespace lobby::chatbot
