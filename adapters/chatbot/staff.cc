// The staff's part of the conversation: linking a member's chat identity, the staff menu and the
// buttons of the jobs dispatch sends them. Every action goes through the owning service as the
// member ("member:ID"), so it meets the same state machine and role checks as their own token.
#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "adapters/chatbot/session.h"
#include "adapters/common/staff_jobs.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/queue.h"
#include "services/common/status_macros.h"

namespace lobby::chatbot {

namespace {

/// A staff button's data: "job:R-10042:hold:parts".
struct JobPress {
  std::string ticket, verb, arg;
};

std::optional<JobPress> ParseJob(const std::string& text) {
  std::vector<std::string> v = absl::StrSplit(text, ':');
  if (v.size() < 3 || v.size() > 4 || v[0] != "job" || FindTicketNumber(v[1]) != v[1])
    return std::nullopt;
  return JobPress{v[1], v[2], v.size() == 4 ? v[3] : ""};
}

using queue::JobButton;

/// The hold reasons a button offers, by the short names adapters::HoldReasonNamed reads.
struct HoldChoice {
  const char* arg;
  const char* en;
  const char* hant;
  const char* hans;
};
constexpr HoldChoice kHolds[] = {
    {"parts", "Waiting for parts", "等候零件", "等待零件"},
    {"absent", "Resident not in", "住戶不在", "住户不在"},
    {"access", "No access", "未能進入", "无法进入"},
};

Reply StaffMenu(const std::string& lang, std::string before = "") {
  return Reply{absl::StrCat(before, T(lang, "Staff menu:", "員工選單：", "员工菜单：")),
               {{T(lang, "My jobs", "我的工作", "我的工作"), "staff:jobs"},
                {T(lang, "Team pool", "組別待接工作", "组别待接工作"), "staff:pool"},
                {T(lang, "Off duty today", "今天不當值", "今天不值班"), "staff:duty:off"},
                {T(lang, "On duty today", "今天當值", "今天值班"), "staff:duty:on"}}};
}

bool Urgent(const v1::Ticket& t) { return t.priority() == v1::PRIORITY_P1 || t.emergency(); }

std::string Where(const v1::Ticket& t, const std::string& lang) {
  const v1::Location& l = t.location();
  if (l.has_unit() && !l.unit().building().empty()) return UnitText(l.unit(), lang);
  std::vector<std::string> parts;
  for (const std::string& p : {l.building(), l.floor().empty() ? "" : l.floor() + "/F", l.area()})
    if (!p.empty()) parts.push_back(p);
  return absl::StrJoin(parts, ", ");
}

// A refusal the member can act on: the service's own sentence.
std::string Refused(const std::string& lang, const absl::Status& status) {
  return absl::StrCat(T(lang, "Sorry: ", "對不起：", "对不起："), status.message());
}

// A job as the technician needs it on the way: where, what, the visit, entry; never the
// resident's phone.
std::string JobDetails(const v1::Ticket& t, const std::string& lang, absl::TimeZone zone) {
  std::string text =
      absl::StrCat(t.id(), " (", v1::Priority_Name(t.priority()).substr(9), ", ", t.category(),
                   t.emergency() ? ", EMERGENCY" : "", "): ", StatusText(t.status(), lang));
  if (std::string where = Where(t, lang); !where.empty())
    absl::StrAppend(&text, "\n", T(lang, "Where: ", "地點：", "地点："), where);
  if (!t.description().empty())
    absl::StrAppend(&text, "\n", T(lang, "What: ", "問題：", "问题："),
                    Utf8Prefix(t.description(), 300));
  if (t.has_repair()) {
    const v1::RepairDetails& r = t.repair();
    if (r.has_visit_window()) {
      absl::StrAppend(
          &text, "\n", T(lang, "Visit: ", "上門：", "上门："),
          absl::FormatTime("%m-%d %H:%M", FromTimestamp(r.visit_window().start()), zone), "-",
          absl::FormatTime("%H:%M", FromTimestamp(r.visit_window().end()), zone),
          r.visit_window().confirmed() ? T(lang, " (confirmed)", "（已確認）", "（已确认）")
                                       : T(lang, " (to be confirmed)", "（待確認）", "（待确认）"));
    }
    if (t.location().has_unit() && !t.location().unit().building().empty()) {
      absl::StrAppend(&text, "\n",
                      r.entry_permission() ? T(lang, "Entry: you may enter when no one is home",
                                               "入屋：無人在家時可進入", "入户：无人在家时可进入")
                                           : T(lang, "Entry: only when someone is home",
                                               "入屋：須有人在家", "入户：须有人在家"));
      if (!r.key_note().empty())
        absl::StrAppend(&text, T(lang, "; key: ", "；鎖匙：", "；钥匙："), r.key_note());
    }
  }
  if (t.photos_size() > 0)
    absl::StrAppend(&text, "\n", T(lang, "Photos: ", "相片：", "照片："), t.photos_size());
  absl::StrAppend(&text, "\n", T(lang, "Reported ", "報告時間：", "报告时间："),
                  absl::FormatTime("%m-%d %H:%M", FromTimestamp(t.created_at()), zone));
  return text;
}

}  // namespace

// ------------------------------------------------------------------ linking

absl::StatusOr<std::vector<Reply>> Conversation::LinkStaff(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  const std::string& text = in.text;
  const std::string step = s.Get("step");
  auto ask_phone = [&](const std::string& before) {
    return Replies{s.Ask(
        "staff_phone",
        absl::StrCat(before, T(lang,
                               "Linking this chat to a member of staff. Please type the mobile "
                               "number the estate has for you.",
                               "將此對話連結到員工身份。請輸入屋苑登記的您的手提電話號碼。",
                               "将此对话绑定到员工身份。请输入小区登记的您的手机号码。")))};
  };
  if (IsStaffWord(text) || (in.button && absl::StartsWith(text, "job:"))) {
    std::string before = in.button ? T(lang, "This chat is not linked to a member of staff yet. ",
                                       "此對話尚未連結員工身份。", "此对话尚未绑定员工身份。")
                                   : "";
    s.Reset();
    if (options_.sites.size() > 1) {
      Buttons sites;
      for (const auto& site : options_.sites) sites.push_back({site, "site:" + site});
      return Replies{
          s.Ask("staff_site",
                absl::StrCat(before, T(lang, "Which estate do you work at?",
                                       "請問您在哪個屋苑工作？", "请问您在哪个小区工作？")),
                std::move(sites))};
    }
    if (options_.sites.empty()) {
      return Replies{{T(lang, "This chat serves no estate's staff.", "此對話未設定屋苑。",
                        "此对话未设置小区。"),
                      {}}};
    }
    s.f["staff_site"] = options_.sites[0];
    return ask_phone(before);
  }
  if (step == "staff_site") {
    if (!in.button || !absl::StartsWith(text, "site:")) return Misunderstood(s, in, s.Again());
    s.f["staff_site"] = text.substr(5);
    return ask_phone("");
  }
  if (step == "staff_phone") {
    std::string digits;
    for (char c : text) {
      if (absl::ascii_isdigit(c) || (c == '+' && digits.empty())) digits += c;
    }
    v1::StartVerificationRequest req;
    req.set_channel(in.channel);
    req.set_external_id(in.user);
    req.set_phone(digits);
    req.set_staff_site_id(s.Get("staff_site"));
    auto started = api_.StartVerification(req);
    if (!started.ok() && IsTransient(started.status())) return started.status();
    if (!started.ok()) return ask_phone(Refused(lang, started.status()) + "\n");
    s.f["verification"] = started->verification_id();
    return Replies{
        s.Ask("staff_code",
              absl::StrCat(T(lang, "We have sent a 6-digit code to ",
                             "我們已把 6 位數字驗證碼傳送到 ", "我们已把 6 位数字验证码发送到 "),
                           started->masked_phone(),
                           T(lang, ". Please type it here.", "，請在此輸入。", "，请在此输入。")))};
  }
  // step == "staff_code"
  v1::ConfirmVerificationRequest req;
  req.set_verification_id(s.Get("verification"));
  req.set_code(std::string(absl::StripAsciiWhitespace(text)));
  auto linked = staff_api_->ConfirmStaff(req);
  if (!linked.ok() && IsTransient(linked.status())) return linked.status();
  if (absl::IsInvalidArgument(linked.status())) {  // a wrong code: attempts are left
    return Replies{s.Ask("staff_code", Refused(lang, linked.status()))};
  }
  if (!linked.ok()) {  // expired, or too many wrong codes
    s.Reset();
    return Replies{{absl::StrCat(Refused(lang, linked.status()), "\n",
                                 T(lang, "Type STAFF to start again.", "請輸入「員工」重新開始。",
                                   "请输入「员工」重新开始。")),
                    {}}};
  }
  s.Reset();
  log::Get(ChannelName(in.channel))
      ->info("event=staff_linked site={} member={}", linked->site_id(), linked->member());
  Reply menu = StaffMenu(
      lang,
      absl::StrCat(T(lang, "Linked: you are ", "已連結：您是 ", "已绑定：您是 "), linked->name(),
                   " (", linked->member(), "), ", linked->site_id(),
                   T(lang, ". The buttons of your jobs now work here.\n",
                     "。工作通知上的按鈕現在可以使用。\n", "。工作通知上的按钮现在可以使用。\n")));
  return Replies{s.Ask("", menu.text, menu.buttons)};
}

// ------------------------------------------------------------------ the staff menu

absl::StatusOr<std::vector<Reply>> Conversation::Staff(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  const std::string& text = in.text;
  const std::string step = s.Get("step");
  if (IsCancel(text) || IsMenu(text) || IsStaffWord(text) || text == "staff:menu") {
    bool cancelled = IsCancel(text) && !step.empty();
    s.Reset();
    Reply menu = StaffMenu(lang, cancelled ? T(lang, "Cancelled. ", "已取消。", "已取消。") : "");
    return Replies{s.Ask("", menu.text, menu.buttons)};
  }
  if (!in.button && step == "job_resolve") return StaffJob(s, in);
  if (!in.button && step == "job_decline") return StaffJob(s, in);
  if (text == "staff:duty:on" || text == "staff:duty:off") {
    bool on = text == "staff:duty:on";
    auto set = staff_api_->SetDuty(*s.staff, on);
    if (!set.ok() && IsTransient(set.status())) return set.status();
    s.Reset();
    Reply menu = StaffMenu(
        lang, !set.ok() ? Refused(lang, set.status()) + "\n"
              : on ? T(lang, "You are on duty today, on call all day. ", "您今天當值，全日候命。",
                       "您今天值班，全天待命。")
                   : T(lang, "You are off duty today: no new jobs or pages until tomorrow. ",
                       "您今天不當值：明天前不會收到新工作或傳呼。",
                       "您今天不值班：明天前不会收到新工作或呼叫。"));
    return Replies{s.Ask("", menu.text, menu.buttons)};
  }
  if (text == "staff:jobs") return StaffJobs(s, false);
  if (text == "staff:pool") return StaffJobs(s, true);
  if (in.button && absl::StartsWith(text, "job:")) return StaffJob(s, in);
  if (std::string number = FindTicketNumber(text); !number.empty()) {
    Inbound details = in;
    details.text = JobButton(number, "details");
    details.button = true;
    return StaffJob(s, details);
  }
  std::string before = !in.photos.empty()
                           ? T(lang, "To add photos of the work, press Resolve on the job first. ",
                               "如要加入工作相片，請先在該工作按「完成維修」。",
                               "如要加入工作照片，请先在该工作按「完成维修」。")
                           : T(lang, "Sorry, I did not understand. ", "對不起，我不太明白。",
                               "对不起，我不太明白。");
  Reply menu = StaffMenu(lang, before);
  return Replies{s.Ask("", menu.text, menu.buttons)};
}

Reply Conversation::JobReply(Session& s, const v1::Ticket& t, std::string text) {
  const std::string& lang = s.lang;
  const std::string& id = t.id();
  Buttons b;
  auto add = [&](const char* en, const char* hant, const char* hans, absl::string_view verb) {
    b.push_back({T(lang, en, hant, hans), JobButton(id, verb)});
  };
  bool repair = absl::StartsWith(id, "R-");
  if (t.assignee() == s.staff->member()) {
    switch (t.status()) {
      case v1::TICKET_STATUS_ASSIGNED:
        add("Acknowledge", "接單", "接单", "ack");
        add("Decline", "退回", "退回", "decline");
        break;
      case v1::TICKET_STATUS_REOPENED:
        add("Acknowledge", "接單", "接单", "ack");
        break;
      case v1::TICKET_STATUS_ACKNOWLEDGED:
        if (repair) {
          // Once per visit (RepairService refuses another): not right after it was pressed.
          if (t.history().empty() || t.history().rbegin()->action() != "on_the_way")
            add("On my way", "出發", "出发", "onway");
          add("On site", "已到場", "已到场", "onsite");
          add("Hold", "暫停", "暂停", "hold");
        }
        break;
      case v1::TICKET_STATUS_ON_SITE:
        add("Resolve", "完成維修", "完成维修", "resolve");
        add("Hold", "暫停", "暂停", "hold");
        break;
      case v1::TICKET_STATUS_ON_HOLD:
        add("Resume", "繼續", "继续", "resume");
        break;
      default:
        break;
    }
  } else if (t.status() == v1::TICKET_STATUS_NEW || t.status() == v1::TICKET_STATUS_ASSIGNED ||
             t.status() == v1::TICKET_STATUS_REOPENED) {
    if (Urgent(t) && t.status() != v1::TICKET_STATUS_REOPENED)
      add("I take it", "我來處理", "我来处理", "take");
    else if (t.assignee().empty() && !t.team().empty())
      add("Claim", "接單", "接单", "claim");
  }
  add("Details", "詳情", "详情", "details");
  b.push_back({T(lang, "My jobs", "我的工作", "我的工作"), "staff:jobs"});
  return s.Ask("", std::move(text), std::move(b));
}

absl::StatusOr<std::vector<Reply>> Conversation::StaffJob(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  const v1::StaffIdentity& me = *s.staff;
  const std::string step = s.Get("step");

  // Does `request`; answers with the job after it, or with where it stands now when the press
  // came too late for it.
  auto answer = [&](const adapters::JobRequest& request,
                    const std::string& said) -> absl::StatusOr<std::vector<Reply>> {
    auto r = adapters::DoJob(*staff_api_, me, request);
    if (!r.ok()) {
      if (IsTransient(r.status())) return r.status();
      return Replies{StaffMenu(lang, Refused(lang, r.status()) + "\n")};
    }
    if (r->refused.ok()) return Replies{JobReply(s, r->ticket, absl::StrCat(request.ticket, said))};
    log::Get(ChannelName(in.channel))
        ->info("event=staff_press_refused member={} ticket={} error=\"{}\"", me.member(),
               request.ticket, r->refused.message());
    std::string why =
        r->taken_by_other
            ? T(lang, "Someone else took it first. ", "已有同事接手。", "已有同事接手。")
            : T(lang, "That button is out of date. ", "此按鈕已過時。", "此按钮已过时。");
    return Replies{
        JobReply(s, r->ticket, absl::StrCat(why, adapters::WhereItStands(r->ticket, lang)))};
  };

  // The answers the buttons asked for: a note (and photos) to resolve with, a reason to decline.
  if (!in.button && (step == "job_resolve" || step == "job_decline")) {
    adapters::JobRequest request{.ticket = s.Get("job")};
    if (step == "job_resolve") {
      std::vector<std::string> kept = absl::StrSplit(s.Get("photos"), '\x1f', absl::SkipEmpty());
      kept.insert(kept.end(), in.photos.begin(), in.photos.end());
      s.f["photos"] = absl::StrJoin(kept, "\x1f");
      if (in.text.empty() && !in.photos.empty()) {
        return Replies{s.Ask(
            "job_resolve",
            absl::StrCat(T(lang, "Photos so far: ", "已收到相片：", "已收到照片："), kept.size(),
                         T(lang, ". Now type what was done.", "。請輸入完成了甚麼工作。",
                           "。请输入完成了什么工作。")),
            DecodeButtons(s.Get("options")))};
      }
      request.photos = std::move(kept);
    }
    if (in.text.empty()) return Replies{s.Again()};
    request.verb = step == "job_resolve" ? "resolve" : "decline";
    request.note = Utf8Prefix(in.text, step == "job_resolve" ? 500 : 400);
    s.Reset();
    return answer(request,
                  step == "job_resolve"
                      ? T(lang, " is resolved. Thank you!", " 已完成，多謝！", " 已完成，谢谢！")
                      : T(lang, " is handed back.", " 已退回。", " 已退回。"));
  }

  auto press = ParseJob(in.text);
  if (!press) return Replies{StaffMenu(lang)};
  const std::string& ticket = press->ticket;
  const std::string& verb = press->verb;
  s.Reset();
  if (verb == "details") {
    LOBBY_ASSIGN_OR_RETURN(auto t, staff_api_->Job(me, ticket));
    return Replies{JobReply(s, t, JobDetails(t, lang, Zone(s)))};
  }
  adapters::JobRequest request{.ticket = ticket, .verb = verb, .arg = press->arg};
  if (verb == "ack")
    return answer(request, T(lang, " acknowledged. The resident is told you have the job.",
                             " 已接單。已通知住戶。", " 已接单。已通知住户。"));
  if (verb == "take")
    return answer(request, T(lang, " is yours. The resident is told you have the job.",
                             " 由您負責。已通知住戶。", " 由您负责。已通知住户。"));
  if (verb == "onway")
    return answer(request, T(lang, ": on your way. The resident is told you are coming now.",
                             "：出發。已通知住戶您正前來。", "：出发。已通知住户您正前来。"));
  if (verb == "onsite") return answer(request, T(lang, ": on site.", "：已到場。", "：已到场。"));
  if (verb == "resume")
    return answer(request, T(lang, ": work goes on.", "：工作繼續。", "：工作继续。"));
  if (verb == "claim")
    return answer(request, T(lang, " is yours now.", " 現由您負責。", " 现由您负责。"));
  if (verb == "hold") {
    for (const HoldChoice& h : kHolds) {
      if (press->arg == h.arg) {
        std::string reason = T(lang, h.en, h.hant, h.hans);
        reason[0] = absl::ascii_tolower(reason[0]);  // mid-sentence (Chinese has no case)
        return answer(request, absl::StrCat(T(lang, " is on hold: ", " 已暫停：", " 已暂停："),
                                            reason, T(lang, ".", "。", "。")));
      }
    }
    Buttons reasons;
    for (const HoldChoice& h : kHolds)
      reasons.push_back(
          {T(lang, h.en, h.hant, h.hans), JobButton(ticket, absl::StrCat("hold:", h.arg))});
    reasons.push_back({T(lang, "Back", "返回", "返回"), JobButton(ticket, "details")});
    return Replies{s.Ask("",
                         absl::StrCat(T(lang, "Why is ", "請問 ", "请问 "), ticket,
                                      T(lang, " on hold?", " 為何暫停？", " 为何暂停？")),
                         std::move(reasons))};
  }
  if (verb == "resolve" || verb == "decline") {
    s.f["job"] = ticket;
    Buttons back = {{T(lang, "Back", "返回", "返回"), JobButton(ticket, "details")}};
    if (verb == "resolve") {
      return Replies{
          s.Ask("job_resolve",
                absl::StrCat(T(lang, "What was done on ", "請輸入 ", "请输入 "), ticket,
                             T(lang, "? Send photos of the work too if you like, then type a note.",
                               " 完成了甚麼工作？可先傳送工作相片，然後輸入說明。",
                               " 完成了什么工作？可先发送工作照片，然后输入说明。")),
                std::move(back))};
    }
    return Replies{
        s.Ask("job_decline",
              absl::StrCat(T(lang, "Why are you handing back ", "請問為何退回 ", "请问为何退回 "),
                           ticket, T(lang, "?", "？", "？")),
              std::move(back))};
  }
  return Replies{StaffMenu(lang)};
}

absl::StatusOr<std::vector<Reply>> Conversation::StaffJobs(Session& s, bool pool) {
  const std::string& lang = s.lang;
  const std::string& me = s.staff->member();
  LOBBY_ASSIGN_OR_RETURN(auto boards, staff_api_->Boards(*s.staff));
  std::vector<v1::BoardTicket> jobs = adapters::JobsOf(boards, me, pool);
  s.Reset();
  if (jobs.empty()) {
    Reply menu = StaffMenu(lang, pool ? T(lang, "No job is waiting in your teams' pools. ",
                                          "組別沒有待接工作。", "组别没有待接工作。")
                                      : T(lang, "You have no open jobs. ", "您沒有未完成的工作。",
                                          "您没有未完成的工作。"));
    return Replies{s.Ask("", menu.text, menu.buttons)};
  }
  absl::TimeZone zone = Zone(s);
  std::string text =
      pool ? T(lang, "Waiting in your teams' pools:", "組別待接工作：", "组别待接工作：")
           : T(lang, "Your open jobs:", "您的工作：", "您的工作：");
  Buttons buttons;
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < jobs.size() && i < kShown; ++i) {
    const v1::BoardTicket& t = jobs[i];
    absl::StrAppend(&text, "\n", adapters::JobLine(t, lang, zone));
    buttons.push_back({pool ? absl::StrCat(T(lang, "Claim ", "接 ", "接 "), t.id()) : t.id(),
                       JobButton(t.id(), pool ? "claim" : "details")});
  }
  if (jobs.size() > kShown)
    absl::StrAppend(&text, "\n", T(lang, "… and ", "…… 另有 ", "…… 另有 "), jobs.size() - kShown,
                    T(lang, " more.", " 項。", " 项。"));
  return Replies{s.Ask("", std::move(text), std::move(buttons))};
}

}  // namespace lobby::chatbot
