#include "services/residents/notices.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "services/common/proto_util.h"

namespace lobby::residents {
namespace {

// The events residents are told about (NoticeFor narrows a few: which assignments, comments and
// breaches), and the placeholders their words may use.
constexpr std::array<absl::string_view, 14> kToldTypes = {
    "ticket.assigned",     "ticket.acknowledged",     "ticket.on_the_way",
    "ticket.on_site",      "ticket.on_hold",          "ticket.resumed",
    "ticket.resolved",     "ticket.reopened",         "ticket.cancelled",
    "ticket.commented",    "ticket.visit_proposed",   "ticket.visit_confirmed",
    "ticket.sla_breached", "ticket.incident_attached"};
constexpr std::array<absl::string_view, 6> kPlaceholders = {"{team}",   "{note}",     "{reason}",
                                                            "{window}", "{incident}", "{expected}"};
constexpr size_t kMaxTemplateBytes = 2000;  // an SMS of a few segments; any chat message

absl::Time MillisField(const queue::Entry& e, absl::string_view name) {
  int64_t ms = 0;
  return absl::SimpleAtoi(e.Get(name), &ms) && ms > 0 ? absl::FromUnixMillis(ms)
                                                      : absl::InfinitePast();
}

// A hold's reason ("waiting_parts: washer") in words; the technician's own words after the
// colon are for the team, not the resident.
std::string HoldReason(absl::string_view note, absl::string_view lang) {
  absl::string_view code = note.substr(0, note.find(':'));
  if (code == "waiting_parts")
    return InLanguage(lang, "we are waiting for parts", "正在等候零件", "正在等待零件");
  if (code == "resident_absent")
    return InLanguage(lang, "we could not find anyone at home", "上門時家中無人", "上门时家中无人");
  if (code == "no_access")
    return InLanguage(lang, "we could not get access", "未能進入現場", "未能进入现场");
  return InLanguage(lang, "we have to wait", "需要等候", "需要等待");
}

// "Tue 8 Dec 14:00" / "12月08日 14:00", in the estate's zone.
std::string When(absl::Time t, absl::string_view lang, absl::TimeZone zone) {
  std::string day = lang == "zh-Hant" || lang == "zh-Hans" ? absl::FormatTime("%m月%d日", t, zone)
                                                           : DayText(t, zone);
  return absl::StrCat(day, " ", absl::FormatTime("%H:%M", t, zone));
}

std::string Window(const Notice& n, absl::string_view lang, absl::TimeZone zone) {
  if (n.visit_start == absl::InfinitePast()) return "";
  return absl::StrCat(When(n.visit_start, lang, zone), "–",
                      absl::FormatTime("%H:%M", n.visit_end, zone));
}

std::string Fill(std::string text, const Notice& n, absl::string_view lang, absl::TimeZone zone) {
  return absl::StrReplaceAll(text,
                             {{"{team}", n.team},
                              {"{note}", n.note},
                              {"{reason}", HoldReason(n.note, lang)},
                              {"{window}", Window(n, lang, zone)},
                              {"{incident}", n.incident},
                              {"{expected}", n.incident_expected_at == absl::InfinitePast()
                                                 ? ""
                                                 : When(n.incident_expected_at, lang, zone)}});
}

}  // namespace

queue::Fields Notice::ToFields() const {
  queue::Fields f = {
      {"type", type}, {"ticket_id", ticket_id},       {"channel", channel},  {"team", team},
      {"note", note}, {"urgent", urgent ? "1" : "0"}, {"priority", priority}};
  if (visit_start != absl::InfinitePast()) {
    f.emplace_back("visit_start", std::to_string(absl::ToUnixMillis(visit_start)));
    f.emplace_back("visit_end", std::to_string(absl::ToUnixMillis(visit_end)));
  }
  if (!incident.empty()) f.emplace_back("incident_title", incident);
  if (incident_expected_at != absl::InfinitePast())
    f.emplace_back("incident_expected_at",
                   std::to_string(absl::ToUnixMillis(incident_expected_at)));
  return f;
}

Notice Notice::FromEntry(const queue::Entry& e) {
  return Notice{.type = std::string(e.Get("type")),
                .ticket_id = std::string(e.Get("ticket_id")),
                .channel = std::string(e.Get("channel")),
                .team = std::string(e.Get("team")),
                .note = std::string(e.Get("note")),
                .urgent = e.Get("urgent") == "1",
                .priority = std::string(e.Get("priority")),
                .visit_start = MillisField(e, "visit_start"),
                .visit_end = MillisField(e, "visit_end"),
                .incident = std::string(e.Get("incident_title")),
                .incident_expected_at = MillisField(e, "incident_expected_at")};
}

std::optional<Notice> NoticeFor(const queue::Entry& e) {
  absl::string_view type = e.Get("type");
  bool urgent = e.Get("priority") == "P1" || e.Get("emergency") == "1";
  bool told = std::find(kToldTypes.begin(), kToldTypes.end(), type) != kToldTypes.end();
  if (type == "ticket.assigned") {
    // The team that has it, once per team: a move between its members is the team's business.
    told = !e.Get("team").empty() && e.Get("team") != e.Get("previous_team");
  } else if (type == "ticket.commented") {
    told = e.Get("note") != "(internal)" && !e.Get("note").empty();
  } else if (type == "ticket.sla_breached") {
    told = urgent || e.Get("priority") == "P2";
  } else if (type == "ticket.created" && !e.Get("incident_id").empty()) {
    told = true;  // a report of a known fault: told so, beside its new number
  }
  if (!told || e.Get("by_reporter") == "1" || e.Get("ticket_id").empty()) return std::nullopt;
  Notice n = Notice::FromEntry(e);  // the event's fields are named as a notice's
  if (type == "ticket.created") n.type = "ticket.incident_attached";
  n.urgent = urgent;
  return n;
}

std::string NoticeText(const Notice& n, absl::string_view lang, absl::TimeZone zone,
                       const v1::NoticeTemplates* own) {
  if (own != nullptr) {
    if (auto texts = own->texts().find(n.type); texts != own->texts().end()) {
      auto text = texts->second.by_language().find(std::string(lang));
      if (text != texts->second.by_language().end()) return Fill(text->second, n, lang, zone);
    }
  }
  auto say = [&](const char* en, const char* hant, const char* hans) {
    return Fill(InLanguage(lang, en, hant, hans), n, lang, zone);
  };
  const std::string& t = n.type;
  if (t == "ticket.assigned")
    return say("the {team} team is taking care of it.", "已交由 {team} 組跟進。",
               "已交由 {team} 组跟进。");
  if (t == "ticket.acknowledged")
    return say("a technician has taken the job and will be with you.", "技術員已接單，會盡快上門。",
               "技术员已接单，会尽快上门。");
  if (t == "ticket.on_the_way")
    return say("our technician is on the way to you now.", "技術員正在前來。", "技术员正在前来。");
  if (t == "ticket.on_site")
    return say("our technician has arrived.", "技術員已到場。", "技术员已到场。");
  if (t == "ticket.on_hold")
    return say("the work is on hold: {reason}. We will tell you when it goes on.",
               "工作暫停：{reason}。恢復時會再通知您。", "工作暂停：{reason}。恢复时会再通知您。");
  if (t == "ticket.resumed") return say("the work goes on again.", "工作已恢復。", "工作已恢复。");
  if (t == "ticket.resolved")
    return n.note.empty()
               ? say("it is resolved.", "已處理完成。", "已处理完成。")
               : say("it is resolved: {note}", "已處理完成：{note}", "已处理完成：{note}");
  if (t == "ticket.reopened")
    return say("it is open again and we are back on it.", "已重新開啟，我們會再跟進。",
               "已重新开启，我们会再跟进。");
  if (t == "ticket.cancelled") return say("it is cancelled.", "已取消。", "已取消。");
  if (t == "ticket.commented")
    return say("a message from the estate office: {note}", "管理處留言：{note}",
               "物业留言：{note}");
  if (t == "ticket.visit_proposed")
    return say(
        "we would like to visit on {window}. If that does not suit you, please tell the "
        "estate office.",
        "我們希望於 {window} 上門；如時間不便，請通知管理處。",
        "我们希望于 {window} 上门；如时间不便，请通知物业。");
  if (t == "ticket.visit_confirmed")
    return say("the visit on {window} is confirmed.", "已確定於 {window} 上門。",
               "已确定于 {window} 上门。");
  if (t == "ticket.incident_attached") {
    if (n.incident_expected_at == absl::InfinitePast())
      return say(
          "this is a known fault we are already working on ({incident}). We will tell you "
          "when it is fixed.",
          "這是我們已在處理的已知故障（{incident}），修復後會通知您。",
          "这是我们已在处理的已知故障（{incident}），修复后会通知您。");
    return say(
        "this is a known fault we are already working on ({incident}); we expect it "
        "fixed by {expected}. We will tell you when it is.",
        "這是我們已在處理的已知故障（{incident}），預計於 {expected} 前修復，屆時會通知您。",
        "这是我们已在处理的已知故障（{incident}），预计于 {expected} 前修复，届时会通知您。");
  }
  if (t == "ticket.sla_breached")
    return say("we are sorry it is taking longer than it should. A supervisor is on it now.",
               "抱歉處理時間比承諾長，主管已親自跟進。", "抱歉处理时间比承诺长，主管已亲自跟进。");
  return "";
}

absl::StatusOr<v1::NoticeTemplates> ParseNoticeTemplates(absl::string_view yaml) {
  auto bad = [](const std::string& why) { return absl::InvalidArgumentError("notices: " + why); };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return bad(std::string("not YAML: ") + e.what());
  }
  YAML::Node n = root.IsMap() ? root["notices"] : YAML::Node();
  if (!n || !n.IsMap()) return bad("a top-level 'notices:' with site and texts is required");
  v1::NoticeTemplates t;
  try {
    for (const auto& kv : n) {
      std::string key = kv.first.as<std::string>();
      if (key != "site" && key != "texts" && key != "provider_templates")
        return bad("unknown key '" + key + "' (site, texts, provider_templates)");
    }
    t.set_site_id(n["site"] ? n["site"].as<std::string>() : "");
    if (absl::Status s = ValidateSiteId(t.site_id()); !s.ok())
      return bad(std::string("site: ") + std::string(s.message()));
    if (YAML::Node pt = n["provider_templates"]) {
      if (!pt.IsMap()) return bad("provider_templates: a map of channel -> template name");
      for (const auto& kv : pt) {
        std::string channel = kv.first.as<std::string>(), name = kv.second.as<std::string>();
        if (channel != "whatsapp" && channel != "wechat")
          return bad("provider_templates: " + channel +
                     ": only whatsapp and wechat limit free text to a window");
        if (name.empty() || name.size() > 128 || name.find_first_of(" \t\n") != std::string::npos)
          return bad("provider_templates." + channel +
                     ": a template name or id, 1 to 128 characters without spaces");
        (*t.mutable_provider_templates())[channel] = name;
      }
    }
    YAML::Node texts = n["texts"];
    if (texts && !texts.IsMap()) return bad("texts: a map of event -> {language: text}");
    for (const auto& ev : texts) {
      std::string type = ev.first.as<std::string>();
      if (std::find(kToldTypes.begin(), kToldTypes.end(), type) == kToldTypes.end())
        return bad("residents are not told about '" + type +
                   "'; the events are: " + absl::StrJoin(kToldTypes, ", "));
      if (!ev.second.IsMap()) return bad(type + ": a map of language -> text");
      v1::NoticeTexts& out = (*t.mutable_texts())[type];
      for (const auto& lt : ev.second) {
        std::string lang = lt.first.as<std::string>(), text = lt.second.as<std::string>();
        std::string where = type + "." + lang;
        if (lang != "en" && lang != "zh-Hant" && lang != "zh-Hans")
          return bad(where + ": the languages are en, zh-Hant and zh-Hans");
        if (text.empty()) return bad(where + ": empty");
        if (text.size() > kMaxTemplateBytes)
          return bad(absl::StrCat(where, ": longer than ", kMaxTemplateBytes, " bytes"));
        for (size_t open = text.find('{'); open != std::string::npos;
             open = text.find('{', open + 1)) {
          size_t close = text.find('}', open);
          std::string p =
              close == std::string::npos ? text.substr(open) : text.substr(open, close - open + 1);
          if (std::find(kPlaceholders.begin(), kPlaceholders.end(), p) == kPlaceholders.end())
            return bad(where + ": unknown placeholder " + p + " (" +
                       absl::StrJoin(kPlaceholders, ", ") + ")");
        }
        (*out.mutable_by_language())[lang] = text;
      }
    }
  } catch (const YAML::Exception& e) {
    return bad(std::string("each text is a string: ") + e.what());
  }
  return t;
}

}  // namespace lobby::residents
