#include "adapters/sms/texting.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/common/staff_jobs.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::sms {
namespace {

using adapters::T;

constexpr absl::Duration kStateTtl = absl::Hours(7 * 24);

bool OneOf(const std::string& word, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (word == w) return true;
  }
  return false;
}

bool HasCjk(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0xE3 && c <= 0xE9) return true;  // the lead bytes of U+3000..U+9FFF
  }
  return false;
}

size_t Chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// A number Lobby does not know yet: Chinese text from the mainland is Simplified, other
// Chinese text Traditional, anything else English.
std::string GuessLanguage(const std::string& phone, const std::string& body) {
  if (!HasCjk(body)) return "en";
  return absl::StartsWith(phone, "+86") ? "zh-Hans" : "zh-Hant";
}

std::string Help(const std::string& lang) {
  return T(lang,
           "Lobby: text us a repair or complaint in your own words, a ticket number (e.g. R-10042) "
           "for its status, "
           "AGENT for a call back, STOP to opt out. Emergencies: call the estate hotline.",
           "Lobby：直接以短訊描述報修或投訴；傳送個案編號（例如 R-10042）查詢進度；AGENT "
           "要求客服回電；STOP 取消訂閱。緊急事故請致電屋苑熱線。",
           "Lobby：直接用短信描述报修或投诉；发送工单编号（例如 R-10042）查询进度；AGENT "
           "要求客服回电；STOP 退订。紧急情况请致电小区热线。");
}

std::string StaffHelp(const std::string& lang) {
  return T(lang,
           "Lobby staff: ACK R-10042, ONWAY R-10042, ONSITE R-10042, HOLD R-10042 "
           "PARTS|ABSENT|ACCESS, RESUME "
           "R-10042, DONE R-10042 what was done, DECLINE R-10042 why, TAKE R-10042 (a P1), CLAIM "
           "R-10042, JOBS, OFF / ON (duty today).",
           "Lobby 員工：ACK R-10042 接單、ONWAY R-10042 出發、ONSITE R-10042 到場、HOLD R-10042 "
           "PARTS|ABSENT|ACCESS "
           "暫停、RESUME R-10042 繼續、DONE R-10042 工作說明、DECLINE R-10042 原因、TAKE R-10042 "
           "接 P1、CLAIM R-10042 接組別工作、JOBS 我的工作、OFF / ON 今天不當值 / 當值。",
           "Lobby 员工：ACK R-10042 接单、ONWAY R-10042 出发、ONSITE R-10042 到场、HOLD R-10042 "
           "PARTS|ABSENT|ACCESS "
           "暂停、RESUME R-10042 继续、DONE R-10042 工作说明、DECLINE R-10042 原因、TAKE R-10042 "
           "接 P1、CLAIM R-10042 接组别工作、JOBS 我的工作、OFF / ON 今天不值班 / 值班。");
}

std::string JoinPrompt(const std::string& lang) {
  return T(lang,
           "Lobby: we do not know this number yet. To link it to your flat, reply JOIN with your "
           "building, floor, flat "
           "and the phone number the management office has for you, e.g. JOIN A 12 C 91234567. Or "
           "reply AGENT.",
           "Lobby：我們未有此號碼的記錄。如要連結您的單位，請回覆「登記 座數 樓層 室 "
           "及管理處記錄的電話」，例如：登記 A 12 C 91234567。或回覆 AGENT 由客服聯絡您。",
           "Lobby：我们还没有这个号码的记录。如要绑定您的房屋，请回复“登记 楼栋 楼层 房号 "
           "及物业登记的电话”，例如：登记 A 12 C 91234567。或回复 AGENT 由客服联系您。");
}

// The answer to a survey's last question.
std::string SurveyThanks(const std::string& lang, bool not_fixed) {
  return not_fixed ? T(lang,
                       "Thank you. We are sorry it is not fixed: we have reopened it and will be "
                       "in touch.",
                       "多謝。很抱歉問題仍未解決，我們已重開個案並會與您聯絡。",
                       "谢谢。很抱歉问题仍未解决，我们已重开工单并会与您联系。")
                   : T(lang, "Thank you for your feedback.", "多謝您的意見。", "谢谢您的反馈。");
}

}  // namespace

Keyword ParseKeyword(const std::string& text, std::string* rest) {
  std::string t(absl::StripAsciiWhitespace(text));
  std::string lower = absl::AsciiStrToLower(t);
  // Whole-text keywords, as carriers and Twilio read them.
  if (OneOf(lower, {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "退訂", "退订",
                    "取消訂閱", "取消订阅"}))
    return Keyword::kStop;
  if (OneOf(lower, {"start", "unstop", "subscribe", "yes start", "訂閱", "订阅", "恢復", "恢复"}))
    return Keyword::kStart;
  if (OneOf(lower, {"help", "info", "幫助", "帮助", "說明", "说明", "?", "？"}))
    return Keyword::kHelp;
  if (OneOf(lower, {"agent", "desk", "call me", "human", "客服", "人工", "轉人工", "转人工", "回電",
                    "回电"}))
    return Keyword::kAgent;
  if (OneOf(lower, {"staff", "員工", "员工"})) return Keyword::kStaff;
  // Leading keywords with words after them.
  struct Lead {
    const char* word;
    Keyword keyword;
  };
  static constexpr Lead kLeads[] = {{"fix", Keyword::kFix},   {"更正", Keyword::kFix},
                                    {"更改", Keyword::kFix},  {"join", Keyword::kJoin},
                                    {"登記", Keyword::kJoin}, {"登记", Keyword::kJoin}};
  for (const Lead& l : kLeads) {
    size_t n = std::string(l.word).size();
    if (lower.size() < n || lower.compare(0, n, l.word) != 0) continue;
    bool ascii = absl::ascii_isalpha(l.word[0]);
    if (ascii && lower.size() > n && absl::ascii_isalnum(lower[n])) continue;  // "fixed", "joiner"
    if (rest)
      *rest = std::string(absl::StripLeadingAsciiWhitespace(
          absl::StripPrefix(absl::string_view(t).substr(n), ":")));
    if (rest) *rest = std::string(absl::StripAsciiWhitespace(absl::StripPrefix(*rest, "：")));
    return l.keyword;
  }
  return Keyword::kNone;
}

bool ParseFlat(const std::string& text, v1::Unit* unit, std::string* phone) {
  // Chinese markers separate like spaces: "A座12樓C室" is "A 12 C".
  std::string t = absl::StrReplaceAll(text, {{"座", " "},
                                             {"樓", " "},
                                             {"楼", " "},
                                             {"室", " "},
                                             {"號", " "},
                                             {"号", " "},
                                             {"/", " "},
                                             {",", " "},
                                             {"，", " "},
                                             {"、", " "}});
  std::vector<std::string> words = absl::StrSplit(t, ' ', absl::SkipWhitespace());
  // The phone: the last words that are digits (an 8-digit number may be typed "9123 4567").
  std::string digits;
  while (!words.empty()) {
    std::string w = words.back();
    bool all = !w.empty();
    for (size_t i = 0; i < w.size(); ++i)
      all = all && (absl::ascii_isdigit(w[i]) || (i == 0 && w[i] == '+'));
    if (!all || digits.size() >= 8) break;
    digits = w + digits;
    words.pop_back();
  }
  if (digits.size() < 8 || words.size() < 3) return false;
  // The floor and flat are the last two words; the building may have several ("Tower 2").
  size_t n = words.size();
  unit->set_building(absl::StrJoin(words.begin(), words.end() - 2, " "));
  unit->set_floor(words[n - 2]);
  unit->set_room(words[n - 1]);
  *phone = digits;
  return true;
}

struct Texting::State {
  std::map<std::string, std::string> f;
  std::string lang;
  std::string Get(const std::string& k) const {
    auto it = f.find(k);
    return it == f.end() ? "" : it->second;
  }
};

absl::StatusOr<bool> Texting::OptedOut(redis::Client& redis, const std::string& phone) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis.Command({"SISMEMBER", kOptOutKey, phone}));
  return r.integer == 1;
}

absl::StatusOr<Outcome> Texting::Handle(const Text& t) {
  State s;
  LOBBY_ASSIGN_OR_RETURN(auto loaded, sessions_.Load(v1::CHANNEL_SMS, t.from));
  s.f = std::move(loaded);
  s.lang = s.Get("lang").empty() ? GuessLanguage(t.from, t.body) : s.Get("lang");

  absl::StatusOr<Outcome> out;
  Keyword k = ParseKeyword(t.body);
  if (k == Keyword::kStop || k == Keyword::kStart) {
    out = OptOut(s, t, k == Keyword::kStop);
  } else if (staff_ != nullptr && (k == Keyword::kStaff || s.Get("step") == "staff_code")) {
    out = LinkStaff(s, t);
  } else {
    // Who is texting: a linked SMS identity first (a resident's or a staff member's), else the
    // number on file.
    LOBBY_ASSIGN_OR_RETURN(auto linked, api_.Identify(v1::CHANNEL_SMS, t.from));
    std::optional<v1::Resident> resident = std::move(linked.resident);
    if (!resident && !linked.staff) {
      LOBBY_ASSIGN_OR_RETURN(auto on_file, api_.FindByPhone(t.from));
      if (!on_file.empty()) resident = on_file.front();
    }
    if (linked.staff && staff_ != nullptr) {
      out = k == Keyword::kHelp ? Outcome{{StaffHelp(s.lang)}, {}}
                                : StaffCommand(s, t, *linked.staff);
    } else if (resident) {
      if (!resident->language().empty()) s.lang = resident->language();
      out = k == Keyword::kHelp ? Outcome{{Help(s.lang)}, {}} : Known(s, t, *resident);
    } else {
      out = k == Keyword::kHelp ? Outcome{{Help(s.lang)}, {}} : Unknown(s, t);
    }
  }
  if (!out.ok()) return out;
  s.f["lang"] = s.lang;
  if (absl::Status saved =
          sessions_.Save(v1::CHANNEL_SMS, t.from, s.f, kStateTtl, absl::InfinitePast());
      !saved.ok())
    return saved;
  return out;
}

absl::StatusOr<Outcome> Texting::OptOut(State& s, const Text& t, bool out) {
  LOBBY_ASSIGN_OR_RETURN(auto changed, redis_.Command({out ? "SADD" : "SREM", kOptOutKey, t.from}));
  // The residents' records say so too, so that surveys pick another channel or none.
  auto residents = api_.FindByPhone(t.from);
  if (residents.ok()) {
    for (const auto& r : *residents) {
      if (absl::Status st = api_.SetOptedOut(r.id(), v1::CHANNEL_SMS, out); !st.ok()) {
        log::Get("sms")->warn("event=opt_out_not_recorded resident={} error=\"{}\"", r.id(),
                              st.message());
      }
      if (!r.language().empty()) s.lang = r.language();
    }
  }
  log::Get("sms")->info("event={} phone={}", out ? "opted_out" : "opted_in",
                        log::MaskPhone(t.from));
  s.f.erase("step");
  if (out) {
    return Outcome{
        {},
        T(s.lang,
          "Lobby: you will get no more messages from us. Reply START to receive them again.",
          "Lobby：您已取消訂閱，不會再收到我們的短訊。回覆 START 可重新訂閱。",
          "Lobby：您已退订，不会再收到我们的短信。回复 START 可重新订阅。")};
  }
  return Outcome{
      {T(s.lang,
         "Lobby: you will receive our messages again. Reply STOP to opt out, HELP for help.",
         "Lobby：您已重新訂閱我們的短訊。回覆 STOP 取消訂閱，HELP 查看說明。",
         "Lobby：您已重新订阅我们的短信。回复 STOP 退订，HELP 查看说明。")},
      {}};
}

absl::Status Texting::SubmitScore(State& s, int score, int fixed) {
  v1::SubmitResponseRequest req;
  req.set_survey_id(s.Get("survey"));
  req.mutable_answer()->set_overall(score);
  req.mutable_answer()->set_not_fixed(fixed == 0);
  s.f.erase("survey");
  s.f.erase("score");
  s.f.erase("step");
  absl::Status done = api_.SubmitSurvey(req);
  // Answered or closed already: nothing more to record.
  if (absl::IsFailedPrecondition(done) || absl::IsNotFound(done)) return absl::OkStatus();
  return done;
}

absl::StatusOr<Outcome> Texting::Known(State& s, const Text& t, const v1::Resident& r) {
  const std::string& lang = s.lang;
  std::string body(absl::StripAsciiWhitespace(t.body));
  std::string lower = absl::AsciiStrToLower(body);
  bool yes = OneOf(lower, {"y", "yes", "是", "係", "有"}),
       no = OneOf(lower, {"n", "no", "否", "不是", "唔係", "沒有", "没有"});
  Outcome out;
  // The survey's second question: fixed or not. Anything else keeps the score as it was.
  if (s.Get("step") == "survey_fixed") {
    int score = 0;
    (void)absl::SimpleAtoi(s.Get("score"), &score);
    LOBBY_RETURN_IF_ERROR(SubmitScore(s, score, yes ? 1 : no ? 0 : -1));
    if (yes || no) return Outcome{{SurveyThanks(lang, no)}, {}};
  }
  // A score: "4", "4 Y", "4N", "5 是".
  if (!s.Get("survey").empty() && !body.empty() && body[0] >= '1' && body[0] <= '5') {
    std::string after(absl::StripAsciiWhitespace(absl::AsciiStrToLower(body.substr(1))));
    bool said_yes = OneOf(after, {"y", "yes", "是", "係"}),
         said_no = OneOf(after, {"n", "no", "否", "唔係", "不是"});
    if (after.empty()) {
      s.f["score"] = body.substr(0, 1);
      s.f["step"] = "survey_fixed";
      return Outcome{{T(lang, "Thank you. Is the problem fixed? Reply Y or N.",
                        "多謝。問題解決了嗎？請回覆 Y（是）或 N（否）。",
                        "谢谢。问题解决了吗？请回复 Y（是）或 N（否）。")},
                     {}};
    }
    if (said_yes || said_no) {
      LOBBY_RETURN_IF_ERROR(SubmitScore(s, body[0] - '0', said_yes ? 1 : 0));
      return Outcome{{SurveyThanks(lang, said_no)}, {}};
    }
  }
  std::string rest;
  Keyword k = ParseKeyword(body, &rest);
  if (k == Keyword::kAgent) return Callback(s, t, &r, "asked_for_desk", s.Get("last"));
  if (k == Keyword::kFix) {
    std::string ticket = adapters::FindTicketNumber(rest);
    if (ticket.empty()) ticket = s.Get("last");
    if (ticket.empty() || rest.empty()) {
      return Outcome{{T(lang,
                        "Please write what is wrong after FIX, e.g. FIX it is the kitchen tap, not "
                        "the bathroom.",
                        "請在「更正」後寫明要更正的內容，例如：更正 是廚房水龍頭，不是浴室。",
                        "请在“更正”后写明要更正的内容，例如：更正 是厨房水龙头，不是浴室。")},
                     {}};
    }
    auto t2 = api_.GetTicket(ticket);
    if (!t2.ok() || t2->reporter().resident_id() != r.id()) {
      return Outcome{{absl::StrCat(ticket, T(lang, ": no such ticket of yours.",
                                             "：找不到您的這個個案。", "：找不到您的这个工单。"))},
                     {}};
    }
    if (absl::Status st =
            api_.AddComment(ticket, absl::StrCat("Correction from the resident by SMS: ", rest),
                            false, "resident:" + r.id());
        !st.ok())
      return st;
    Text correction = t;
    correction.body = rest;
    auto cb = Callback(s, correction, &r, "correction", ticket);
    if (!cb.ok()) return cb;
    return Outcome{{absl::StrCat(T(lang, "Thank you. We have noted your correction to ",
                                   "多謝。我們已記下您對 ", "谢谢。我们已记下您对 "),
                                 ticket,
                                 T(lang, " and the service desk will check it.",
                                   " 的更正，客服會跟進。", " 的更正，客服会跟进。"))},
                   {}};
  }
  if (k == Keyword::kJoin) {
    return Outcome{{absl::StrCat(T(lang, "This number is already linked to ", "此號碼已連結到 ",
                                   "此号码已绑定到 "),
                                 adapters::UnitText(r.unit(), lang), ".")},
                   {}};
  }
  if (std::string number = adapters::FindTicketNumber(body);
      !number.empty() && Chars(body) <= number.size() + 12) {
    auto ticket = api_.GetTicket(number);
    if (absl::IsNotFound(ticket.status()) || absl::IsInvalidArgument(ticket.status()) ||
        (ticket.ok() && ticket->reporter().resident_id() != r.id())) {
      return Outcome{{absl::StrCat(number, T(lang, ": no such ticket of yours.",
                                             "：找不到您的這個個案。", "：找不到您的这个工单。"))},
                     {}};
    }
    if (!ticket.ok()) return ticket.status();
    return Outcome{
        {adapters::TicketStatusLine(
            *ticket, lang, adapters::EstateZone(api_.GetRegister(ticket->site_id()), zone_))},
        {}};
  }
  if (body.size() == 1 && absl::ascii_isdigit(body[0])) {
    return Outcome{{T(lang,
                      "Thank you, but no survey is waiting for your answer. Reply HELP for what "
                      "you can text us.",
                      "多謝，但暫時沒有問卷等待您回覆。回覆 HELP 查看說明。",
                      "谢谢，但暂时没有问卷等待您回复。回复 HELP 查看说明。")},
                   {}};
  }
  if (Chars(body) <= 3 || OneOf(lower, {"hi", "hello", "ok", "okay", "thanks", "thank you", "你好",
                                        "多謝", "多谢", "謝謝", "谢谢", "唔該", "好"})) {
    return Outcome{{Help(lang)}, {}};
  }
  Text report = t;
  report.body = body;
  return Report(s, report, r);
}

absl::StatusOr<Outcome> Texting::Report(State& s, const Text& text, const v1::Resident& r) {
  const std::string& body = text.body;
  const std::string& lang = s.lang;
  const std::string& site = r.unit().site_id();
  LOBBY_ASSIGN_OR_RETURN(auto c, api_.Classify(site, body));
  if (c.category().empty()) {
    // Not a repair or complaint Lobby can file by itself: a person reads it and calls back.
    return Callback(s, text, &r, "not_understood", "");
  }
  v1::CreateTicketRequest req;
  v1::Ticket* t = req.mutable_ticket();
  t->set_site_id(site);
  *t->mutable_location()->mutable_unit() = r.unit();
  t->set_category(c.category());
  t->set_channel(v1::CHANNEL_SMS);
  t->set_description(adapters::Utf8Prefix(body, 2000));
  t->mutable_reporter()->set_resident_id(r.id());
  for (const auto& p : text.photos) t->add_photos()->set_url(p);
  req.set_idempotency_key(absl::StrCat("sms:", text.message_id));
  bool complaint = c.kind() == "complaint";
  if (complaint) t->mutable_complaint()->set_subject(adapters::SubjectOfCategory(c.category()));
  LOBBY_ASSIGN_OR_RETURN(auto created,
                         complaint ? api_.CreateComplaint(req) : api_.CreateRepair(req));
  s.f["last"] = created.id();
  if (created.emergency() || created.priority() == v1::PRIORITY_P1) {
    return Outcome{
        {absl::StrCat(T(lang, "Lobby: EMERGENCY reported: ", "Lobby：緊急個案已通報：",
                        "Lobby：紧急工单已通报："),
                      created.id(),
                      T(lang, ". Our duty team is on the way. If anyone is in danger, call 999.",
                        "。當值同事正趕來。如有人身危險，請致電 999。",
                        "。值班同事正赶来。如有人身危险，请拨打 110 或 119。"))},
        {}};
  }
  std::string what = c.category();
  auto catalog = api_.GetCatalog(site);
  if (catalog.ok()) {
    for (const auto& cat : catalog->categories()) {
      if (cat.id() == c.category()) what = adapters::CategoryName(cat, lang);
    }
  }
  return Outcome{
      {absl::StrCat(
          complaint ? T(lang, "Lobby: complaint ", "Lobby：投訴 ", "Lobby：投诉 ")
                    : T(lang, "Lobby: repair ", "Lobby：報修 ", "Lobby：报修 "),
          created.id(), T(lang, " logged (", " 已登記（", " 已登记（"), what,
          T(lang, ", ", "，", "，"), adapters::UnitText(r.unit(), lang),
          T(lang, "). Not right? Reply FIX and what is wrong. Text the number for its status.",
            "）。如有錯誤，請回覆「更正」及正確內容。傳送編號可查詢進度。",
            "）。如有错误，请回复“更正”及正确内容。发送编号可查询进度。"))},
      {}};
}

absl::StatusOr<Outcome> Texting::Callback(State& s, const Text& t, const v1::Resident* r,
                                          const std::string& reason, const std::string& ticket) {
  const std::string& lang = s.lang;
  v1::RequestCallbackRequest req;
  v1::CallbackTask* task = req.mutable_task();
  task->set_site_id(r ? r->unit().site_id() : sites_.empty() ? "" : sites_.front());
  if (r) task->set_resident_id(r->id());
  task->set_phone(t.from);
  task->set_channel(v1::CHANNEL_SMS);
  task->set_external_id(t.from);
  task->set_language(lang);
  task->set_reason(reason);
  task->set_text(adapters::Utf8Prefix(t.body, 1000));
  task->set_ticket_id(ticket);
  req.set_idempotency_key(absl::StrCat("sms:", t.message_id));
  LOBBY_ASSIGN_OR_RETURN(auto done, api_.RequestCallback(req));
  return Outcome{
      {absl::StrCat(T(lang, "Lobby: the service desk will contact you (ref ",
                      "Lobby：客服會與您聯絡（編號 ", "Lobby：客服会与您联系（编号 "),
                    done.id(),
                    T(lang, "). For an emergency, call the estate hotline.",
                      "）。如有緊急事故，請致電屋苑熱線。", "）。如有紧急情况，请致电小区热线。"))},
      {}};
}

absl::StatusOr<Outcome> Texting::Unknown(State& s, const Text& t) {
  const std::string& lang = s.lang;
  std::string body(absl::StripAsciiWhitespace(t.body));
  std::string rest;
  Keyword k = ParseKeyword(body, &rest);
  if (k == Keyword::kAgent) return Callback(s, t, nullptr, "asked_for_desk", "");
  if (s.Get("step") == "join_code" && body.size() == 6 &&
      std::all_of(body.begin(), body.end(), absl::ascii_isdigit)) {
    v1::ConfirmVerificationRequest req;
    req.set_verification_id(s.Get("verification"));
    req.set_code(body);
    auto linked = api_.ConfirmVerification(req);
    if (absl::IsInvalidArgument(linked.status()) || absl::IsPermissionDenied(linked.status())) {
      return Outcome{{T(lang, "That code is not right. Please try again.", "驗證碼不正確，請再試。",
                        "验证码不正确，请再试。")},
                     {}};
    }
    if (absl::IsNotFound(linked.status()) || absl::IsFailedPrecondition(linked.status()) ||
        absl::IsResourceExhausted(linked.status())) {
      s.f.erase("step");
      return Outcome{
          {T(lang,
             "That code has expired. Reply JOIN with your flat and phone number to get a new one.",
             "驗證碼已過期。請再回覆「登記」及單位與電話以取得新驗證碼。",
             "验证码已过期。请再回复“登记”及房屋与电话以获取新验证码。")},
          {}};
    }
    if (!linked.ok()) return linked.status();
    if (!linked->language().empty()) s.lang = linked->language();
    s.f.erase("step");
    s.f.erase("verification");
    Outcome out{{absl::StrCat(T(s.lang, "Lobby: this number is now linked to ",
                                "Lobby：此號碼已連結到 ", "Lobby：此号码已绑定到 "),
                              adapters::UnitText(linked->unit(), s.lang), ".")},
                {}};
    // What they texted before linking is filed now.
    if (std::string pending = s.Get("pending"); !pending.empty()) {
      Text earlier{t.from, pending, s.Get("pending_id"), {}};
      s.f.erase("pending");
      s.f.erase("pending_id");
      auto filed = Report(s, earlier, *linked);
      if (!filed.ok()) return filed;
      out.replies.insert(out.replies.end(), filed->replies.begin(), filed->replies.end());
    }
    return out;
  }
  v1::Unit unit;
  std::string phone;
  if ((k == Keyword::kJoin || s.Get("step") == "join") &&
      ParseFlat(k == Keyword::kJoin ? rest : body, &unit, &phone)) {
    if (sites_.empty()) return absl::FailedPreconditionError("no estates configured for SMS");
    // With several estates, the flat is looked for in each until one has it.
    absl::StatusOr<v1::StartVerificationResponse> started = absl::NotFoundError("no estate");
    for (const auto& site : sites_) {
      v1::StartVerificationRequest req;
      req.set_channel(v1::CHANNEL_SMS);
      req.set_external_id(t.from);
      req.set_phone(phone);
      *req.mutable_unit() = unit;
      req.mutable_unit()->set_site_id(site);
      started = api_.StartVerification(req);
      if (!absl::IsNotFound(started.status()) && !absl::IsInvalidArgument(started.status())) break;
    }
    if (absl::IsNotFound(started.status()) || absl::IsInvalidArgument(started.status())) {
      return Outcome{{T(lang,
                        "Sorry, we could not find that phone number at that flat. Please check and "
                        "try again, or reply AGENT.",
                        "對不起，找不到此電話與單位的登記。請檢查後再試，或回覆 AGENT。",
                        "对不起，找不到该电话与房屋的登记。请检查后再试，或回复 AGENT。")},
                     {}};
    }
    if (absl::IsResourceExhausted(started.status()) || absl::IsAlreadyExists(started.status())) {
      return Outcome{{T(lang,
                        "Sorry, we cannot link this number now. Please reply AGENT and the service "
                        "desk will help.",
                        "對不起，暫時未能連結此號碼。請回覆 AGENT，客服會協助您。",
                        "对不起，暂时无法绑定此号码。请回复 AGENT，客服会协助您。")},
                     {}};
    }
    if (!started.ok()) return started.status();
    s.f["step"] = "join_code";
    s.f["verification"] = started->verification_id();
    return Outcome{
        {absl::StrCat(T(lang, "We have sent a 6-digit code to ", "我們已把 6 位數字驗證碼發送到 ",
                        "我们已把 6 位数字验证码发送到 "),
                      started->masked_phone(),
                      T(lang, ". Reply with it here.", "，請在此回覆。", "，请在此回复。"))},
        {}};
  }
  // Kept, to be filed once the number is linked (the first thing they wrote, not the retries).
  if (k == Keyword::kNone && s.Get("pending").empty() && Chars(body) > 3) {
    s.f["pending"] = adapters::Utf8Prefix(body, 2000);
    s.f["pending_id"] = t.message_id;
  }
  s.f["step"] = "join";
  return Outcome{{JoinPrompt(lang)}, {}};
}

// ------------------------------------------------------------------ staff

absl::StatusOr<Outcome> Texting::LinkStaff(State& s, const Text& t) {
  const std::string& lang = s.lang;
  std::string body(absl::StripAsciiWhitespace(t.body));
  if (s.Get("step") == "staff_code" && ParseKeyword(body) != Keyword::kStaff) {
    v1::ConfirmVerificationRequest req;
    req.set_verification_id(s.Get("verification"));
    req.set_code(body);
    auto linked = staff_->ConfirmStaff(req);
    if (!linked.ok() && adapters::IsTransient(linked.status())) return linked.status();
    if (absl::IsInvalidArgument(linked.status()))
      return Outcome{{absl::StrCat("Lobby: ", linked.status().message())}, {}};
    s.f.erase("step");
    s.f.erase("verification");
    if (!linked.ok()) {
      return Outcome{{absl::StrCat("Lobby: ", linked.status().message(), ". ",
                                   T(lang, "Text STAFF to start again.", "請再傳送 STAFF。",
                                     "请再发送 STAFF。"))},
                     {}};
    }
    return Outcome{{absl::StrCat(T(lang, "Lobby: this number is now linked to ",
                                   "Lobby：此號碼已連結到員工 ", "Lobby：此号码已绑定到员工 "),
                                 linked->name(), " (", linked->member(), "). ", StaffHelp(lang))},
                   {}};
  }
  // The number texting is the one the code goes to: the estate YAML must give it for them.
  absl::StatusOr<v1::StartVerificationResponse> started = absl::NotFoundError("no estate");
  for (const auto& site : sites_) {
    v1::StartVerificationRequest req;
    req.set_channel(v1::CHANNEL_SMS);
    req.set_external_id(t.from);
    req.set_phone(t.from);
    req.set_staff_site_id(site);
    started = api_.StartVerification(req);
    if (!absl::IsNotFound(started.status())) break;
  }
  if (!started.ok() && adapters::IsTransient(started.status())) return started.status();
  if (!started.ok()) return Outcome{{absl::StrCat("Lobby: ", started.status().message())}, {}};
  s.f["step"] = "staff_code";
  s.f["verification"] = started->verification_id();
  return Outcome{{T(lang, "Lobby: reply with the 6-digit code we are sending to this number.",
                    "Lobby：請回覆我們傳送到此號碼的 6 位數字驗證碼。",
                    "Lobby：请回复我们发送到此号码的 6 位数字验证码。")},
                 {}};
}

absl::StatusOr<Outcome> Texting::StaffCommand(State& s, const Text& t,
                                              const v1::StaffIdentity& who) {
  const std::string& lang = s.lang;
  std::string body(absl::StripAsciiWhitespace(t.body));
  std::vector<std::string> words = absl::StrSplit(body, ' ', absl::SkipWhitespace());
  std::string command = words.empty() ? "" : absl::AsciiStrToUpper(words[0]);
  if (command == "JOBS") {
    LOBBY_ASSIGN_OR_RETURN(auto boards, staff_->Boards(who));
    std::vector<v1::BoardTicket> jobs = adapters::JobsOf(boards, who.member(), false);
    if (jobs.empty())
      return Outcome{{T(lang, "Lobby: you have no open jobs.", "Lobby：您沒有未完成的工作。",
                        "Lobby：您没有未完成的工作。")},
                     {}};
    std::string text = "Lobby:";
    for (size_t i = 0; i < jobs.size() && i < 5; ++i)
      absl::StrAppend(&text, "\n", adapters::JobLine(jobs[i], lang, zone_));
    if (jobs.size() > 5) absl::StrAppend(&text, "\n+", jobs.size() - 5);
    return Outcome{{text}, {}};
  }
  if (command == "ON" || command == "OFF") {
    auto set = staff_->SetDuty(who, command == "ON");
    if (!set.ok() && adapters::IsTransient(set.status())) return set.status();
    if (!set.ok()) return Outcome{{absl::StrCat("Lobby: ", set.status().message())}, {}};
    return Outcome{
        {command == "ON" ? T(lang, "Lobby: you are on duty today, on call all day.",
                             "Lobby：您今天當值，全日候命。", "Lobby：您今天值班，全天待命。")
                         : T(lang, "Lobby: you are off duty today: no new jobs or pages.",
                             "Lobby：您今天不當值，不會收到新工作或傳呼。",
                             "Lobby：您今天不值班，不会收到新工作或呼叫。")},
        {}};
  }
  static const std::map<std::string, std::string> kVerbs = {
      {"ACK", "ack"},         {"TAKE", "take"},  {"ONWAY", "onway"},   {"ONSITE", "onsite"},
      {"ARRIVED", "onsite"},  {"HOLD", "hold"},  {"RESUME", "resume"}, {"DONE", "resolve"},
      {"DECLINE", "decline"}, {"CLAIM", "claim"}};
  auto verb = kVerbs.find(command);
  std::string ticket = words.size() > 1 ? adapters::FindTicketNumber(words[1]) : "";
  if (verb == kVerbs.end() || ticket.empty()) return Outcome{{StaffHelp(lang)}, {}};
  adapters::JobRequest request{.ticket = ticket, .verb = verb->second};
  // What follows the ticket: the hold reason, or the note / the reason in their own words.
  std::string rest;
  if (size_t at = body.find(words[1]); at != std::string::npos)
    rest = std::string(absl::StripAsciiWhitespace(body.substr(at + words[1].size())));
  if (request.verb == "hold") request.arg = absl::AsciiStrToLower(rest);
  if (request.verb == "resolve" || request.verb == "decline")
    request.note = adapters::Utf8Prefix(rest, 400);
  request.photos = t.photos;  // an MMS with DONE: photos of the work
  auto r = adapters::DoJob(*staff_, who, request);
  if (!r.ok() && adapters::IsTransient(r.status())) return r.status();
  if (!r.ok())
    return Outcome{{absl::StrCat("Lobby: ", r.status().message(), ". ", StaffHelp(lang))}, {}};
  std::string said = adapters::WhereItStands(r->ticket, lang);
  if (!r->refused.ok()) {
    said = absl::StrCat(r->taken_by_other ? T(lang, "Someone else took it first. ",
                                              "已有同事接手。", "已有同事接手。")
                                          : T(lang, "Not done: ", "未能處理：", "未能处理："),
                        said);
  }
  return Outcome{{absl::StrCat("Lobby: ", said)}, {}};
}

}  // namespace lobby::sms
