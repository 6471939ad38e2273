#include "adapters/chatbot/conversation.h"


#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/queue.h"

namespace lobby::chatbot {
namespace {

std::string T(const std::string& lang, const char* en, const char* hant, const char* hans) {
  if (lang == "zh-Hant") return hant;
  if (lang == "zh-Hans") return hans;
  return en;
}

std::string Name(const v1::Category& c, const std::string& lang) {
  auto it = c.names().find(lang);
  if (it != c.names().end()) return it->second;
  it = c.names().find("en");
  return it != c.names().end() ? it->second : c.id();
}

Reply Menu(const std::string& lang) {
  return Reply{T(lang, "How can we help?", "請問有什麼可以幫到您？", "请问有什么可以帮您？"),
               {{T(lang, "Report a repair", "報修", "报修"), "menu:repair"},
                {T(lang, "My tickets", "我的個案", "我的工单"), "menu:status"},
                {T(lang, "Talk to the service desk", "聯絡客服", "联系客服"), "menu:agent"}}};
}

bool Is(const std::string& text, std::initializer_list<const char*> words) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (const char* w : words) {
    if (t == w) return true;
  }
  return false;
}

std::string StatusText(v1::TicketStatus s, const std::string& lang) {
  switch (s) {
    case v1::TICKET_STATUS_NEW: return T(lang, "received", "已收到", "已收到");
    case v1::TICKET_STATUS_ASSIGNED: return T(lang, "assigned", "已派工", "已派工");
    case v1::TICKET_STATUS_ACKNOWLEDGED: return T(lang, "being handled", "處理中", "处理中");
    case v1::TICKET_STATUS_ON_SITE: return T(lang, "technician on site", "師傅已到場", "师傅已到场");
    case v1::TICKET_STATUS_ON_HOLD: return T(lang, "on hold", "暫停中", "暂停中");
    case v1::TICKET_STATUS_RESOLVED: return T(lang, "resolved", "已完成", "已完成");
    case v1::TICKET_STATUS_CLOSED: return T(lang, "closed", "已結案", "已结案");
    case v1::TICKET_STATUS_REOPENED: return T(lang, "reopened", "已重開", "已重开");
    case v1::TICKET_STATUS_CANCELLED: return T(lang, "cancelled", "已取消", "已取消");
    default: return T(lang, "in review", "審核中", "审核中");
  }
}

}  // namespace

std::string FindTicketNumber(const std::string& text) {
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    char c = absl::ascii_toupper(text[i]);
    if ((c != 'R' && c != 'C') || text[i + 1] != '-') continue;
    if (i > 0 && absl::ascii_isalnum(text[i - 1])) continue;  // "12R-100" is not a number
    size_t j = i + 2;
    while (j < text.size() && absl::ascii_isdigit(text[j])) ++j;
    size_t digits = j - (i + 2);
    if (digits >= 5 && digits <= 7) return absl::StrCat(std::string(1, c), "-", text.substr(i + 2, digits));
  }
  return "";
}

std::string Conversation::Key(const Inbound& in) const {
  return absl::StrCat("lobby:chat:", ChannelName(in.channel), ":", in.user);
}

absl::StatusOr<std::vector<Reply>> Conversation::Handle(const Inbound& in) {
  auto resident = api_.Resolve(in.channel, in.user);
  if (!resident.ok()) return resident.status();
  if (!resident->has_value()) {
    // Binding by phone and unit with an SMS code arrives with the rest of issue 6.
    return std::vector<Reply>{{"Welcome to Lobby. This chat is not linked to a flat yet: please call the service desk to "
                               "link it.\n歡迎使用 Lobby。此對話尚未連結您的單位，請致電客服辦理。",
                               {}}};
  }
  const v1::Resident& r = **resident;
  std::string lang = r.language().empty() ? "en" : r.language();
  std::string key = Key(in);
  auto state = redis_.Command({"HGETALL", key});
  if (!state.ok()) return state.status();
  std::map<std::string, std::string> s;
  for (size_t i = 0; i + 1 < state->elements.size(); i += 2) s[state->elements[i].str] = state->elements[i + 1].str;
  auto save = [&](std::vector<std::pair<std::string, std::string>> fields) -> absl::Status {
    redis::Args del = {"DEL", key};
    redis::Args set = {"HSET", key};
    for (auto& [k, v] : fields) {
      set.push_back(k);
      set.push_back(v);
    }
    std::vector<redis::Args> cmds = {del};
    if (set.size() > 2) {
      cmds.push_back(set);
      cmds.push_back({"EXPIRE", key, "86400"});
    }
    return redis_.Run(cmds).status();
  };
  const std::string& text = in.text;
  // Anywhere: cancel, the menu, a ticket number.
  if (Is(text, {"cancel", "取消", "/cancel", "start over", "重新開始", "重新开始"})) {
    if (absl::Status st = save({}); !st.ok()) return st;
    return std::vector<Reply>{{T(lang, "Cancelled.", "已取消。", "已取消。"), {}}, Menu(lang)};
  }
  if (Is(text, {"menu", "/start", "hi", "hello", "你好", "選單", "菜单"})) {
    if (absl::Status st = save({}); !st.ok()) return st;
    return std::vector<Reply>{Menu(lang)};
  }
  if (std::string number = FindTicketNumber(text); !number.empty() && !in.button) return Status(r, number, lang);

  const std::string step = s["step"];
  // A photo on its own (LINE, WhatsApp send them apart from the text): kept for the report.
  if (!in.photos.empty() && text.empty()) {
    std::vector<std::string> kept;
    if (!s["photos"].empty()) kept.push_back(s["photos"]);
    kept.insert(kept.end(), in.photos.begin(), in.photos.end());
    if (absl::Status st = save({{"step", "describe"}, {"photos", absl::StrJoin(kept, "\x1f")}}); !st.ok()) return st;
    return std::vector<Reply>{{T(lang, "Photo received. Please describe the problem in a few words.", "收到相片。請簡單描述問題。",
                                 "收到照片。请简单描述问题。"), {}}};
  }
  // Survey answers: the overall score (a button, or a digit after the question), then "fixed?".
  std::vector<std::string> sv = absl::StrSplit(text, ':');
  bool digit = text.size() == 1 && text[0] >= '1' && text[0] <= '5';
  if ((in.button && sv.size() == 4 && sv[0] == "survey" && sv[2] == "overall") || (step == "survey" && digit)) {
    std::string id = sv.size() == 4 ? sv[1] : s["survey"];
    std::string score = sv.size() == 4 ? sv[3] : text;
    if (absl::Status st = save({{"step", "survey_fixed"}, {"survey", id}, {"overall", score}}); !st.ok()) return st;
    return std::vector<Reply>{{T(lang, "Thank you. Is the problem fixed?", "多謝。問題解決了嗎？", "谢谢。问题解决了吗？"),
                               {{T(lang, "Yes", "是", "是"), "survey:" + id + ":fixed:yes"},
                                {T(lang, "No", "否", "否"), "survey:" + id + ":fixed:no"}}}};
  }
  if (in.button && sv.size() == 4 && sv[0] == "survey" && sv[2] == "fixed" && step == "survey_fixed") {
    v1::SubmitResponseRequest req;
    req.set_survey_id(sv[1]);
    int overall = 0;
    (void)absl::SimpleAtoi(s["overall"], &overall);
    req.mutable_answer()->set_overall(overall);
    req.mutable_answer()->set_not_fixed(sv[3] == "no");
    absl::Status st = api_.SubmitSurvey(req);
    if (!st.ok() && !absl::IsFailedPrecondition(st)) return st;
    if (absl::Status cleared = save({}); !cleared.ok()) return cleared;
    if (absl::IsFailedPrecondition(st)) {
      return std::vector<Reply>{{T(lang, "This survey is closed already. Thank you!", "這份問卷已經結束，多謝！", "这份问卷已经结束，谢谢！"), {}}};
    }
    return std::vector<Reply>{{sv[3] == "no" ? T(lang, "Sorry to hear that. We have reopened it and will call you.",
                                                 "很抱歉，我們已重開個案，並會致電您跟進。", "很抱歉，我们已重开工单，并会致电您跟进。")
                                             : T(lang, "Thank you for your feedback!", "多謝您的意見！", "谢谢您的意见！"),
                               {}}};
  }
  if (text == "menu:repair") {
    if (absl::Status st = save({{"step", "describe"}}); !st.ok()) return st;
    return std::vector<Reply>{{T(lang, "Please describe the problem in a few words.", "請簡單描述問題。", "请简单描述问题。"), {}}};
  }
  if (text == "menu:status") {
    return std::vector<Reply>{{T(lang, "Type your ticket number, e.g. R-10042.", "請輸入個案編號，例如 R-10042。", "请输入工单编号，例如 R-10042。"), {}}};
  }
  if (text == "menu:agent") {
    if (absl::Status st = save({}); !st.ok()) return st;
    // A callback task for the desk arrives with the rest of issue 6: until then, the hotline.
    return std::vector<Reply>{{T(lang, "Please call the service desk on the estate hotline.", "請致電屋苑客服熱線。", "请致电小区客服热线。"), {}}};
  }
  if (step == "confirm" && in.button) {
    if (text == "yes") return Create(in, r, s["category"], s["description"], lang, s["photos"]);
    auto catalog = api_.GetCatalog(r.unit().site_id());
    if (!catalog.ok()) return catalog.status();
    Reply pick{T(lang, "Which kind of problem is it?", "請選擇問題類別：", "请选择问题类别："), {}};
    for (const auto& c : catalog->categories()) {
      if (c.kind() == "repair" && pick.buttons.size() < 8) pick.buttons.push_back({Name(c, lang), "cat:" + c.id()});
    }
    if (absl::Status st = save({{"step", "pick"}, {"description", s["description"]}, {"photos", s["photos"]}}); !st.ok()) return st;
    return std::vector<Reply>{pick};
  }
  if (step == "pick" && in.button && absl::StartsWith(text, "cat:")) {
    return Create(in, r, text.substr(4), s["description"], lang, s["photos"]);
  }
  if (step == "confirm" || step == "pick") {  // typed instead of pressing a button
    return std::vector<Reply>{{T(lang, "Please choose one of the buttons, or type CANCEL.", "請按下面其中一個按鈕，或輸入「取消」。",
                                 "请按下面其中一个按钮，或输入「取消」。"), {}}};
  }
  if (step == "describe" || (!in.button && text.size() >= 6)) {
    // Free text is a report: the classifier guesses, the resident confirms.
    std::vector<std::string> all;
    if (!s["photos"].empty()) all.push_back(s["photos"]);
    all.insert(all.end(), in.photos.begin(), in.photos.end());
    std::string photos = absl::StrJoin(all, "\x1f");
    auto c = api_.Classify(r.unit().site_id(), text);
    if (!c.ok()) return c.status();
    if (c->emergency() && !c->category().empty()) return Create(in, r, c->category(), text, lang, photos);
    if (c->category().empty() || c->kind() != "repair") return Create(in, r, "", text, lang, photos);  // lets the resident pick
    auto catalog = api_.GetCatalog(r.unit().site_id());
    if (!catalog.ok()) return catalog.status();
    std::string name = c->category();
    for (const auto& cat : catalog->categories()) {
      if (cat.id() == c->category()) name = Name(cat, lang);
    }
    if (absl::Status st = save({{"step", "confirm"}, {"description", text}, {"category", c->category()}, {"photos", photos}}); !st.ok()) {
      return st;
    }
    return std::vector<Reply>{{absl::StrCat(T(lang, "A repair: ", "報修類別：", "报修类别："), name, T(lang, "? Is that right?", "，對嗎？", "，对吗？")),
                               {{T(lang, "Yes", "是", "是"), "yes"}, {T(lang, "No, choose", "不是，我自己選", "不是，我自己选"), "no"}}}};
  }
  return std::vector<Reply>{Menu(lang)};
}

absl::StatusOr<std::vector<Reply>> Conversation::Status(const v1::Resident& r, const std::string& number,
                                                        const std::string& lang) {
  auto t = api_.GetTicket(number);
  if (absl::IsNotFound(t.status()) || (t.ok() && t->reporter().resident_id() != r.id())) {
    return std::vector<Reply>{{absl::StrCat(number, T(lang, ": no such ticket of yours.", "：找不到您的這個個案。", "：找不到您的这个工单。")), {}}};
  }
  if (!t.ok()) return t.status();
  std::string text = absl::StrCat(t->id(), ": ", StatusText(t->status(), lang));
  if (!t->team().empty()) absl::StrAppend(&text, T(lang, ", team ", "，負責組別：", "，负责组别："), t->team());
  if (t->has_repair() && t->repair().has_visit_window()) {
    absl::StrAppend(&text, T(lang, ", visit ", "，上門時間：", "，上门时间："),
                    absl::FormatTime("%m-%d %H:%M", FromTimestamp(t->repair().visit_window().start()), absl::LocalTimeZone()));
  }
  return std::vector<Reply>{{text + ".", {}}};
}

absl::StatusOr<std::vector<Reply>> Conversation::Create(const Inbound& in, const v1::Resident& r, const std::string& category,
                                                        const std::string& description, const std::string& lang,
                                                        const std::string& photos) {
  if (category.empty()) {  // nothing matched: let the resident pick
    auto catalog = api_.GetCatalog(r.unit().site_id());
    if (!catalog.ok()) return catalog.status();
    Reply pick{T(lang, "Which kind of problem is it?", "請選擇問題類別：", "请选择问题类别："), {}};
    for (const auto& c : catalog->categories()) {
      if (c.kind() == "repair" && pick.buttons.size() < 8) pick.buttons.push_back({Name(c, lang), "cat:" + c.id()});
    }
    auto kept = redis_.Run({{"DEL", Key(in)}, {"HSET", Key(in), "step", "pick", "description", description, "photos", photos},
                            {"EXPIRE", Key(in), "86400"}});
    if (!kept.ok()) return kept.status();
    return std::vector<Reply>{pick};
  }
  v1::CreateTicketRequest req;
  v1::Ticket* t = req.mutable_ticket();
  t->set_site_id(r.unit().site_id());
  *t->mutable_location()->mutable_unit() = r.unit();
  t->set_category(category);
  t->set_channel(in.channel);
  t->set_description(description.substr(0, 2000));
  t->mutable_reporter()->set_resident_id(r.id());
  for (absl::string_view p : absl::StrSplit(photos, '\x1f', absl::SkipEmpty())) {
    v1::Photo* photo = t->add_photos();
    photo->set_url(std::string(p));
    photo->set_content_type("image/jpeg");  // chat apps send photos as JPEG
  }
  req.set_idempotency_key(absl::StrCat(ChannelName(in.channel), ":", in.message_id));
  auto created = api_.CreateRepair(req);
  if (!created.ok()) return created.status();
  (void)redis_.Command({"DEL", Key(in)});
  std::vector<Reply> out;
  if (created->emergency() || created->priority() == v1::PRIORITY_P1) {
    // The category's safety instructions follow from dispatch (a safety_instructions message).
    out.push_back({absl::StrCat(T(lang, "EMERGENCY reported: ", "緊急個案已通報：", "紧急工单已通报："), created->id(),
                                T(lang, ". Our duty team is on the way.", "。當值同事正趕來。", "。值班同事正赶来。")),
                   {}});
    return out;
  }
  out.push_back({absl::StrCat(T(lang, "Thank you. Your repair number is ", "多謝，您的報修編號是 ", "谢谢，您的报修编号是 "), created->id(),
                              T(lang, ". Type the number at any time for its status.", "。隨時輸入編號可查詢進度。", "。随时输入编号可查询进度。")),
                 {}});
  return out;
}

std::string Utf8Prefix(absl::string_view s, size_t max_chars) {
  size_t chars = 0, i = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {  // a character starts here
      if (chars == max_chars) break;
      ++chars;
    }
    ++i;
  }
  return std::string(s.substr(0, i));
}

absl::StatusOr<Outgoing> ReadOutgoing(const queue::Entry& m, const RecipientOf& recipient_of) {
  Outgoing out{std::string(m.Get("to")), std::string(m.Get("language")), std::string(m.Get("text")), DecodeButtons(m.Get("buttons"))};
  if (out.to.empty() && !m.Get("resident_id").empty()) {
    auto found = recipient_of(std::string(m.Get("resident_id")));
    if (!found.ok()) {  // no identity there: never; anything else: try again
      return absl::IsNotFound(found.status()) ? found.status() : absl::UnavailableError(found.status().message());
    }
    out.to = found->id;
    if (out.language.empty()) out.language = found->language;
  }
  if (out.to.empty()) return absl::FailedPreconditionError("no recipient");
  if (out.text.empty()) out.text = std::string(m.Get("text." + out.language));
  if (out.text.empty()) out.text = std::string(m.Get("text.en"));
  if (out.text.empty()) return absl::FailedPreconditionError("nothing to say");
  out.survey = m.Get("kind") == "survey" || m.Get("kind") == "survey_reminder";
  if (out.survey) {  // the first question, natively: score buttons (a digit typed back works too)
    absl::StrAppend(&out.text, "\n", m.Get("question.overall"));
    for (int n = 1; n <= 5; ++n) out.buttons.emplace_back(std::to_string(n), absl::StrCat("survey:", m.Get("survey_id"), ":overall:", n));
  }
  return out;
}

std::string EncodeButtons(const std::vector<std::pair<std::string, std::string>>& buttons) {
  std::string out;
  for (const auto& [label, data] : buttons) absl::StrAppend(&out, out.empty() ? "" : "\x1e", label, "\x1f", data);
  return out;
}

std::vector<std::pair<std::string, std::string>> DecodeButtons(absl::string_view encoded) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view b : absl::StrSplit(encoded, '\x1e', absl::SkipEmpty())) {
    std::vector<std::string> p = absl::StrSplit(b, absl::MaxSplits('\x1f', 1));
    if (p.size() == 2) out.emplace_back(p[0], p[1]);
  }
  return out;
}

int Answer(redis::Client& redis, Conversation& conversation, const Inbound& in, const std::string& to,
           const std::string& seen_key, const std::vector<std::pair<std::string, std::string>>& extra_fields) {
  std::string channel = ChannelName(in.channel);
  auto replies = conversation.Handle(in);
  if (!replies.ok()) {
    log::Get(channel)->warn("event=conversation_failed message={} error=\"{}\"", in.message_id, replies.status().message());
    return 500;  // the provider retries; the ticket's idempotency key keeps it single
  }
  std::vector<redis::Args> cmds;
  std::string stream = queue::OutboundStream(channel);
  if (!extra_fields.empty()) {
    queue::Fields f = {{"v", "1"}};
    f.insert(f.end(), extra_fields.begin(), extra_fields.end());
    cmds.push_back(queue::XAddArgs(stream, f));
  }
  for (size_t i = 0; i < replies->size(); ++i) {
    const Reply& r = (*replies)[i];
    cmds.push_back(queue::XAddArgs(stream, {{"v", "1"}, {"kind", "chat_reply"}, {"to", to}, {"text", r.text},
                                            {"buttons", EncodeButtons(r.buttons)},
                                            {"idempotency_key", absl::StrCat("reply:", seen_key, ":", i)}}));
  }
  cmds.push_back({"SET", seen_key, "1", "EX", "604800"});
  auto done = redis.Run(cmds);
  if (!done.ok()) return 503;
  for (const auto& reply : *done) {
    if (reply.IsError()) return 503;
  }
  return 200;
}

}  // namespace lobby::chatbot
