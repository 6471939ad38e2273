#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/common/lobby_client.h"
#include "adapters/common/messages.h"
#include "adapters/common/texts.h"
#include "services/common/redis.h"

namespace lobby::sms {

/// The words a text can start with, in English or Chinese, whoever sends it.
enum class Keyword {
  kNone,
  kStop,   // STOP, STOPALL, UNSUBSCRIBE, END, QUIT, 退訂, 退订, 取消訂閱, 取消订阅
  kStart,  // START, UNSTOP, SUBSCRIBE, 訂閱, 订阅, 恢復, 恢复
  kHelp,   // HELP, INFO, 幫助, 帮助, 說明, 说明
  kAgent,  // AGENT, DESK, 客服, 人工
  kFix,    // FIX <what is wrong>, 更正 <...>: a correction to the last ticket
  kJoin,   // JOIN <building floor flat phone>, 登記 / 登记 <...>: link this number to a flat
  kStaff,  // STAFF, 員工, 员工: link this number to a member of the estate's staff
};
/// The keyword `text` starts with (STOP/START/HELP only as the whole text, as carriers do),
/// and what follows it in `rest`.
Keyword ParseKeyword(const std::string& text, std::string* rest = nullptr);

/// "A 12 C 91234567", "A座12樓C室 91234567", "Tower 1 12 A 9123 4567": a flat (the last two words
/// before the phone are the floor and flat, the rest the building) and the phone
/// number the office has; false when it is not one.
bool ParseFlat(const std::string& text, v1::Unit* unit, std::string* phone);

/// One text from a resident.
struct Text {
  std::string from;  // E.164
  std::string body;
  std::string message_id;           // the provider's, with the provider's name: idempotency
  std::vector<std::string> photos;  // MMS media URLs
};

struct Outcome {
  std::vector<std::string> replies;
  std::string opt_out_confirmation;  // STOP: the one message an opted-out number still gets
};

/// The SMS dialogue: short texts, mostly one message each way, in the sender's language.
///  - STOP / START / HELP at any time; STOP adds the number to lobby:sms:optout (the outbound
///    gate) and marks SMS opted out on every resident with the number.
///  - A known number (a verified SMS identity, or a resident's phone on file): free text is a
///    repair or complaint (the classifier picks the category; nothing matched: the service
///    desk is asked to call); a ticket number gets its status; a digit answers the survey
///    sent last ("4", "4 N"), then "fixed? Y/N"; FIX <words> corrects the last ticket (a
///    comment and a callback task); AGENT asks the desk to call.
///  - An unknown number is offered linking to a flat (building, floor, flat and the phone on
///    file; a code goes to that phone); what it texted first is kept and logged once linked.
///  - Staff (with `staff`): STAFF links the number to the member whose phone in the estate YAML
///    it is (a code to it); a linked member's texts are commands for their jobs: ACK, TAKE,
///    ONSITE, HOLD R-10042 PARTS|ABSENT|ACCESS, RESUME, DONE R-10042 <what was done>,
///    DECLINE R-10042 <why>, CLAIM, JOBS (docs/adapters/sms.md).
/// State per number in Redis (the chat's key, lobby:chat:sms:<number>), a week.
class Texting {
 public:
  Texting(redis::Client& redis, adapters::LobbyApi& api, std::vector<std::string> sites,
          absl::TimeZone zone, adapters::StaffApi* staff = nullptr)
      : redis_(redis),
        sessions_(redis),
        api_(api),
        staff_(staff),
        sites_(std::move(sites)),
        zone_(zone) {}
  absl::StatusOr<Outcome> Handle(const Text& text);

  static constexpr const char* kOptOutKey = "lobby:sms:optout";
  static absl::StatusOr<bool> OptedOut(redis::Client& redis, const std::string& phone);

 private:
  struct State;
  absl::StatusOr<Outcome> OptOut(State& s, const Text& t, bool out);
  absl::StatusOr<Outcome> Known(State& s, const Text& t, const v1::Resident& r);
  absl::StatusOr<Outcome> Unknown(State& s, const Text& t);
  absl::StatusOr<Outcome> Report(State& s, const Text& text, const v1::Resident& r);
  absl::StatusOr<Outcome> Callback(State& s, const Text& t, const v1::Resident* r,
                                   const std::string& reason, const std::string& ticket);
  absl::Status SubmitScore(State& s, int score, int fixed);  // fixed: 1 yes, 0 no, -1 not said
  absl::StatusOr<Outcome> LinkStaff(State& s, const Text& t);
  absl::StatusOr<Outcome> StaffCommand(State& s, const Text& t, const v1::StaffIdentity& who);

  redis::Client& redis_;
  adapters::RedisSessionStore sessions_;
  adapters::LobbyApi& api_;
  adapters::StaffApi* staff_;  // null: no staff commands
  std::vector<std::string> sites_;
  absl::TimeZone zone_;
};

}  // namespace lobby::sms
