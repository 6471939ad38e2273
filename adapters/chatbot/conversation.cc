#include "adapters/chatbot/conversation.h"

#include <iterator>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/chatbot/session.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/queue.h"
#include "services/common/status_macros.h"

namespace lobby::chatbot {

namespace {

using adapters::kSubjects;
using adapters::Subject;

constexpr absl::Duration kStateTtl = absl::Hours(24);

const v1::Category* Find(const v1::Catalog& catalog, const std::string& id) {
  for (const auto& c : catalog.categories()) {
    if (c.id() == id) return &c;
  }
  return nullptr;
}

bool IsAgent(const std::string& t) {
  return Is(t, {"agent", "/agent", "human", "person", "service desk", "人工", "客服", "真人",
                "轉人工", "转人工", "聯絡客服", "联系客服"});
}

// The language to greet a sender Lobby does not know yet in: the provider's hint (Telegram's
// language_code, a WhatsApp number's country), else what the channel is used for.
std::string GuessLanguage(const Inbound& in) {
  std::string h = absl::AsciiStrToLower(in.language);
  if (h == "zh-hant" || h == "zh-hk" || h == "zh-tw" || h == "zh-mo") return "zh-Hant";
  if (absl::StartsWith(h, "zh")) return "zh-Hans";
  if (!h.empty()) return "en";
  if (in.channel == v1::CHANNEL_WECHAT) return "zh-Hans";
  if (in.channel == v1::CHANNEL_LINE) return "zh-Hant";
  return "en";
}

/// What the register says is wrong, in the resident's language, with the valid choices.
std::string MissText(const RegisterMiss& m, const std::string& lang) {
  std::string choices = absl::StrJoin(m.choices, lang == "en" ? ", " : "、");
  switch (m.what) {
    case RegisterMiss::What::kBuilding:
      return absl::StrCat(T(lang, "There is no building \"", "找不到「", "找不到「"), m.given,
                          T(lang, "\" here. Buildings: ", "」座。本屋苑有：", "」栋。本小区有："),
                          choices, T(lang, ".", "。", "。"));
    case RegisterMiss::What::kFloor:
      return absl::StrCat(m.building, T(lang, " has no floor ", " 沒有 ", " 没有 "), m.given,
                          T(lang, ". Floors: ", " 樓。樓層：", " 楼。楼层："), choices,
                          T(lang, ".", "。", "。"));
    case RegisterMiss::What::kRoom:
      return absl::StrCat(
          lang == "en" ? absl::StrCat("Floor ", m.floor, " of ", m.building, " has no flat ")
                       : absl::StrCat(m.building, " ", m.floor, T(lang, "", "樓沒有 ", "楼没有 ")),
          m.given, T(lang, ". Flats: ", " 室。單位：", " 室。房号："), choices,
          T(lang, ".", "。", "。"));
    case RegisterMiss::What::kArea:
      return absl::StrCat(T(lang, "Which part of ", "請問是 ", "请问是 "), m.building,
                          T(lang, "? Choose one, or Skip.", " 的哪個地方？請選擇，或按「略過」。",
                            " 的哪个地方？请选择，或按「跳过」。"));
    default:
      return T(lang, "We could not find that place.", "找不到這個地點。", "找不到这个地点。");
  }
}

}  // namespace

// ------------------------------------------------------------------ session

namespace {

Reply Menu(const std::string& lang) {
  return Reply{T(lang, "How can we help?", "請問有什麼可以幫到您？", "请问有什么可以帮您？"),
               {{T(lang, "Report a repair", "報修", "报修"), "menu:repair"},
                {T(lang, "Make a complaint", "投訴", "投诉"), "menu:complaint"},
                {T(lang, "My tickets", "我的個案", "我的工单"), "menu:mine"},
                {T(lang, "Service desk", "聯絡客服", "联系客服"), "menu:agent"}}};
}

Reply Welcome(const std::string& lang) {
  return Reply{
      T(lang, "Welcome! This chat is not linked to your flat yet.",
        "歡迎！此對話尚未連結您的單位。", "欢迎！此对话尚未绑定您的房屋。"),
      {{T(lang, "Link my flat", "連結我的單位", "绑定我的房屋"), "bind"},
       {T(lang, "Report a common-area problem", "報告公共地方問題", "报告公共区域问题"), "guest"}}};
}

// The button whose label (or number, counted from 1) was typed instead of pressed.
std::optional<std::string> Pressed(const std::string& text, const Buttons& options) {
  std::string t = Clean(text);
  int n = 0;
  if (absl::SimpleAtoi(t, &n) && n >= 1 && n <= static_cast<int>(options.size()))
    return options[n - 1].second;
  for (const auto& [label, data] : options) {
    if (Clean(label) == t) return data;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::vector<Reply>> Conversation::Handle(const Inbound& in) {
  if (in.read) {  // a read receipt: their notices count as read; nothing to answer
    LOBBY_RETURN_IF_ERROR(api_.Identify(in.channel, in.user).status());
    return Replies{};
  }
  Session s;
  LOBBY_ASSIGN_OR_RETURN(auto fields, sessions_.Load(in.channel, in.user));
  s.f = std::move(fields);
  LOBBY_ASSIGN_OR_RETURN(auto sender, api_.Identify(in.channel, in.user));
  s.resident = std::move(sender.resident);
  s.staff = std::move(sender.staff);
  if (s.staff) {
    if (s.Get("lang").empty()) s.f["lang"] = GuessLanguage(in);
    s.lang = s.f["lang"];
    s.site = s.staff->site_id();
  } else if (s.resident) {
    s.lang = s.resident->language().empty() ? "en" : s.resident->language();
    s.site = s.resident->unit().site_id();
    s.f.erase("guest");
  } else {
    if (s.Get("lang").empty()) s.f["lang"] = GuessLanguage(in);
    s.lang = s.f["lang"];
    s.site = s.Get("site");
    if (s.site.empty() && !options_.sites.empty()) s.site = options_.sites[0];
  }
  (void)absl::SimpleAtoi(s.Get("misses"), &s.misses);
  s.f.erase("misses");

  Inbound effective = in;
  bool survey_digit = s.Get("step").empty() && !s.Get("survey").empty() && in.text.size() == 1 &&
                      in.text[0] >= '1' && in.text[0] <= '5';
  if (!in.button && !survey_digit) {  // a button's label or number typed instead of pressed
    Buttons options = DecodeButtons(s.Get("options"));
    if (auto data = Pressed(in.text, options)) {
      effective.text = *data;
      effective.button = true;
    }
  }
  if (IsBlank(effective.text)) effective.text.clear();  // " ", a zero-width space: nothing typed
  auto replies = Step(s, effective);
  if (!replies.ok() && !IsTransient(replies.status())) {
    // Lobby cannot take this message, and never will: say so, keep the conversation where it
    // was, and answer the provider 200 so that it does not send it again and again.
    log::Get(ChannelName(in.channel))
        ->warn("event=message_refused message={} code={} error=\"{}\"", in.message_id,
               absl::StatusCodeToString(replies.status().code()), replies.status().message());
    Reply sorry{
        T(s.lang,
          "Sorry, we could not take that message. Please try again in other words, or type MENU.",
          "對不起，我們未能處理這則訊息。請換個說法再試，或輸入「選單」。",
          "对不起，我们未能处理这条消息。请换个说法再试，或输入“菜单”。"),
        {}};
    return Replies{std::move(sorry)};
  }
  if (!replies.ok()) return replies.status();
  if (absl::Status saved = sessions_.Save(in.channel, in.user, s.f, kStateTtl, clock_.Now());
      !saved.ok())
    return saved;
  return replies;
}

absl::StatusOr<const v1::Catalog*> Conversation::Catalog(Session& s) {
  if (!s.catalog) {
    LOBBY_ASSIGN_OR_RETURN(auto c, api_.GetCatalog(s.site));
    s.catalog = std::move(c);
  }
  return &*s.catalog;
}

const EstateRegister* Conversation::Register(Session& s) {
  if (!s.reg) s.reg = api_.GetRegister(s.site);
  if (!s.reg->ok() || (*s.reg)->buildings_size() == 0) return nullptr;
  if (!s.checker) s.checker = std::make_unique<EstateRegister>(**s.reg);
  return s.checker.get();
}

absl::TimeZone Conversation::Zone(Session& s) {
  if (!s.reg) s.reg = api_.GetRegister(s.site);
  return EstateZone(*s.reg, options_.time_zone);
}

Buttons Conversation::PlaceButtons(Session& s, const std::string& step) {
  Buttons b;
  const EstateRegister* reg = Register(s);
  if (reg == nullptr) {
    // No register: the place is typed, and the area may be skipped.
  } else if (step == "building") {
    for (const auto& x : reg->proto().buildings()) {
      if (b.size() < 9) b.push_back({x.name(), "place:" + x.name()});
    }
  } else if (step == "area") {
    if (const v1::Building* x = reg->FindBuilding(s.Get("building"))) {
      for (const auto& a : x->common_areas()) {
        if (b.size() < 9) b.push_back({a, "place:" + a});
      }
    }
  }
  if (step == "area") b.push_back({T(s.lang, "Skip", "略過", "跳过"), "skip"});
  return b;
}

std::optional<Reply> Conversation::CheckPlace(Session& s, const std::string& step) {
  const EstateRegister* reg = Register(s);
  if (reg == nullptr) return std::nullopt;
  v1::Location loc;
  loc.set_building(s.Get("building"));
  if (step != "building") loc.set_floor(s.Get("floor"));
  if (step == "area" && s.Get("area") != "-") loc.set_area(s.Get("area"));
  std::optional<RegisterMiss> miss;
  if (step == "building") {
    miss = reg->CheckBuilding(*loc.mutable_building());
  } else {
    miss = reg->CheckLocation(loc);
  }
  if (!miss) {
    s.f["building"] = loc.building();
    if (step != "building") s.f["floor"] = loc.floor();
    if (step == "area" && s.Get("area") != "-") s.f["area"] = loc.area();
    return std::nullopt;
  }
  std::string again = miss->what == RegisterMiss::What::kBuilding ? "building"
                      : miss->what == RegisterMiss::What::kFloor  ? "floor"
                                                                  : "area";
  s.f.erase(again);
  return s.Ask(again, MissText(*miss, s.lang), PlaceButtons(s, again));
}

absl::StatusOr<std::vector<Reply>> Conversation::Misunderstood(Session& s, const Inbound& in,
                                                               Reply again) {
  if (s.misses + 1 >= 2) return Callback(s, in, "not_understood");
  s.f["misses"] = "1";
  std::string hint =
      again.buttons.empty()
          ? ""
          : T(s.lang, "Please choose one of the options, or type CANCEL. ",
              "請選擇其中一項，或輸入「取消」。", "请选择其中一项，或输入「取消」。");
  again.text = absl::StrCat(
      T(s.lang, "Sorry, I did not understand. ", "對不起，我不太明白。", "对不起，我不太明白。"),
      hint, "\n", again.text);
  return Replies{std::move(again)};
}

absl::StatusOr<std::vector<Reply>> Conversation::Step(Session& s, const Inbound& in) {
  const std::string& text = in.text;
  const std::string lang = s.lang;
  if (s.staff) return Staff(s, in);
  if (IsCancel(text)) {
    s.Reset();
    return Replies{{T(lang, "Cancelled.", "已取消。", "已取消。"), {}},
                   s.resident ? s.Ask("", Menu(lang).text, Menu(lang).buttons)
                              : s.Ask("", Welcome(lang).text, Welcome(lang).buttons)};
  }
  if (IsAgent(text) || text == "menu:agent") return Callback(s, in, "asked_for_desk");
  if (!s.resident) return Unbound(s, in);
  if (IsMenu(text)) {
    s.Reset();
    Reply m = Menu(lang);
    return Replies{s.Ask("", m.text, m.buttons)};
  }
  if (std::string number = FindTicketNumber(text); !number.empty() && !in.button)
    return Status(s, number);
  const std::string step = s.Get("step");
  if (absl::StartsWith(text, "survey:") || absl::StartsWith(step, "survey") ||
      (step.empty() && !s.Get("survey").empty() && text.size() == 1 && text[0] >= '1' &&
       text[0] <= '5')) {
    return Survey(s, in);
  }
  if ((in.button && absl::StartsWith(text, "visit:")) || step == "visit_other") return Visit(s, in);
  if (text == "menu:mine") return Mine(s);
  if (text == "menu:repair") {
    s.Reset();
    s.f["flow"] = "repair";
    return Repair(s, in);
  }
  if (text == "menu:complaint") {
    s.Reset();
    s.f["flow"] = "complaint";
    return Complaint(s, in);
  }
  if (s.Get("flow") == "repair") return Repair(s, in);
  if (s.Get("flow") == "complaint") return Complaint(s, in);
  // Nothing in progress: a photo or a few words start a report.
  if (!in.photos.empty() || (!in.button && text.size() >= 6)) {
    s.Reset();
    s.f["flow"] = "repair";
    return Repair(s, in);
  }
  Reply m = Menu(lang);
  return Misunderstood(s, in, s.Ask("", m.text, m.buttons));
}

// ------------------------------------------------------------------ binding

absl::StatusOr<std::vector<Reply>> Conversation::Unbound(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  const std::string& text = in.text;
  const std::string step = s.Get("step");
  auto ask_phone = [&](const std::string& before) {
    return Replies{s.Ask(
        "bind_phone",
        before + T(lang, "Please type the mobile number you registered with the management office.",
                   "請輸入您在管理處登記的手提電話號碼。", "请输入您在物业登记的手机号码。"))};
  };
  auto ask_unit = [&]() {
    return Replies{
        s.Ask("bind_unit", T(lang, "Your flat: building / floor / flat, e.g. Tower 1 / 12 / A",
                             "您的單位：座數 / 樓層 / 室，例如 Tower 1 / 12 / A",
                             "您的房屋：楼栋 / 楼层 / 房号，例如 Tower 1 / 12 / A"))};
  };
  auto site_buttons = [&]() {
    Buttons sites;
    for (const auto& site : options_.sites) sites.push_back({site, "site:" + site});
    return sites;
  };
  if (staff_api_ != nullptr && (IsStaffWord(text) || absl::StartsWith(step, "staff_") ||
                                (in.button && absl::StartsWith(text, "job:"))))
    return LinkStaff(s, in);
  if (text == "bind") {
    s.Reset();
    s.f.erase("guest");
    return ask_phone("");
  }
  if (text == "guest" || s.Get("guest") == "1") {
    if (text == "guest") {
      s.Reset();
      s.f["guest"] = "1";
      s.f["flow"] = "repair";
      s.f["where"] = "common";
    }
    if (text == "guest" && options_.sites.size() > 1) {
      return Replies{s.Ask("guest_site",
                           T(lang, "Which estate?", "請問是哪個屋苑？", "请问是哪个小区？"),
                           site_buttons())};
    }
    if (s.Get("step") == "guest_site") {
      if (!in.button || !absl::StartsWith(text, "site:")) return Misunderstood(s, in, s.Again());
      s.f["site"] = s.site = text.substr(5);
      s.f["step"] = "";
    }
    if (s.Get("flow") == "repair") return Repair(s, in);
  }
  if (step == "bind_phone") {
    std::string digits;
    for (char c : text) {
      if (absl::ascii_isdigit(c) || (c == '+' && digits.empty())) digits += c;
    }
    if (digits.size() < 8 || digits.size() > 16) {
      return Misunderstood(
          s, in,
          s.Ask("bind_phone",
                T(lang, "Please type your mobile number, e.g. 9123 4567.",
                  "請輸入手提電話號碼，例如 9123 4567。", "请输入手机号码，例如 138 0013 8000。")));
    }
    s.f["phone"] = digits;
    if (options_.sites.size() > 1) {
      return Replies{s.Ask(
          "bind_site",
          T(lang, "Which estate do you live in?", "請問您住在哪個屋苑？", "请问您住在哪个小区？"),
          site_buttons())};
    }
    return ask_unit();
  }
  if (step == "bind_site") {
    if (!in.button || !absl::StartsWith(text, "site:")) return Misunderstood(s, in, s.Again());
    s.f["site"] = text.substr(5);
    return ask_unit();
  }
  if (step == "bind_unit") {
    std::vector<std::string> parts =
        absl::StrSplit(text, absl::ByAnyChar("/,，、"), absl::SkipWhitespace());
    if (parts.size() != 3) parts = absl::StrSplit(text, ' ', absl::SkipWhitespace());
    if (parts.size() != 3) return Misunderstood(s, in, ask_unit()[0]);
    v1::StartVerificationRequest req;
    req.set_channel(in.channel);
    req.set_external_id(in.user);
    req.set_phone(s.Get("phone"));
    v1::Unit* u = req.mutable_unit();
    u->set_site_id(s.site);
    u->set_building(std::string(absl::StripAsciiWhitespace(parts[0])));
    u->set_floor(std::string(absl::StripAsciiWhitespace(parts[1])));
    u->set_room(std::string(absl::StripAsciiWhitespace(parts[2])));
    if (const EstateRegister* reg = Register(s)) {
      if (auto miss = reg->CheckUnit(*u)) {
        return Replies{
            s.Ask("bind_unit",
                  absl::StrCat(MissText(*miss, lang), "\n",
                               T(lang, "Your flat: building / floor / flat, e.g. Tower 1 / 12 / A",
                                 "您的單位：座數 / 樓層 / 室，例如 Tower 1 / 12 / A",
                                 "您的房屋：楼栋 / 楼层 / 房号，例如 Tower 1 / 12 / A")))};
      }
    }
    auto started = api_.StartVerification(req);
    if (absl::IsNotFound(started.status()) || absl::IsInvalidArgument(started.status())) {
      return ask_phone(T(lang, "Sorry, we could not find that number at that flat. ",
                         "對不起，找不到此號碼與單位的登記。",
                         "对不起，找不到该号码与房屋的登记。"));
    }
    if (absl::IsResourceExhausted(started.status()) || absl::IsAlreadyExists(started.status())) {
      s.Reset();
      return Replies{
          {absl::IsAlreadyExists(started.status())
               ? T(lang,
                   "This chat is linked to another resident. Please contact the management office.",
                   "此對話已連結另一位住戶，請聯絡管理處。", "此对话已绑定另一位住户，请联系物业。")
               : T(lang, "Too many attempts. Please try again in an hour.",
                   "嘗試次數太多，請一小時後再試。", "尝试次数太多，请一小时后再试。"),
           {}}};
    }
    if (!started.ok()) return started.status();
    s.f["verification"] = started->verification_id();
    return Replies{s.Ask("bind_code", absl::StrCat(T(lang, "We have sent a 6-digit code by SMS to ",
                                                     "我們已用短訊把 6 位數字驗證碼發送到 ",
                                                     "我们已用短信把 6 位数字验证码发送到 "),
                                                   started->masked_phone(),
                                                   T(lang, ". Please type it here.",
                                                     "，請在此輸入。", "，请在此输入。")))};
  }
  if (step == "bind_code") {
    std::string code;
    for (char c : text) {
      if (absl::ascii_isdigit(c)) code += c;
    }
    v1::ConfirmVerificationRequest req;
    req.set_verification_id(s.Get("verification"));
    req.set_code(code);
    auto resident = api_.ConfirmVerification(req);
    if (absl::IsInvalidArgument(resident.status()) &&
        !absl::StrContains(resident.status().message(), "no attempts")) {
      return Replies{
          s.Ask("bind_code",
                T(lang, "That code is not right. Please check the SMS and type the 6 digits again.",
                  "驗證碼不正確，請核對短訊後再輸入 6 位數字。",
                  "验证码不正确，请核对短信后再输入 6 位数字。"))};
    }
    if (absl::IsInvalidArgument(resident.status()) || absl::IsNotFound(resident.status()) ||
        absl::IsResourceExhausted(resident.status())) {
      s.Reset();
      return Replies{{T(lang, "That code can no longer be used.", "此驗證碼已不能使用。",
                        "此验证码已不能使用。"),
                      {}},
                     Welcome(lang)};
    }
    if (!resident.ok()) return resident.status();
    s.f.clear();
    std::string rl = resident->language().empty() ? lang : resident->language();
    Reply m = Menu(rl);
    return Replies{
        {absl::StrCat(T(rl, "Thank you, ", "多謝，", "谢谢，"), resident->name(),
                      T(rl, ". This chat is now linked to ", "。此對話已連結 ", "。此对话已绑定 "),
                      UnitText(resident->unit(), rl), T(rl, ".", "。", "。")),
         {}},
        s.Ask("", m.text, m.buttons)};
  }
  if (!step.empty()) return Misunderstood(s, in, s.Again());
  if (std::string number = FindTicketNumber(text); !number.empty()) {
    return Replies{{T(lang, "Please link your flat first to follow your tickets.",
                      "請先連結您的單位，以查詢個案。", "请先绑定您的房屋，以查询工单。"),
                    {}},
                   s.Ask("", Welcome(lang).text, Welcome(lang).buttons)};
  }
  Reply w = Welcome(lang);
  if (!in.button && !text.empty() &&
      !IsMenu(text)) {  // a greeting is fine; lost twice in a row is not
    if (s.misses > 0) return Callback(s, in, "not_understood");
    s.f["misses"] = "1";
  }
  return Replies{s.Ask("", w.text, w.buttons)};
}

// ------------------------------------------------------------------ repairs

absl::StatusOr<std::vector<Reply>> Conversation::Repair(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  const std::string& text = in.text;
  const std::string step = s.Get("step");
  // Photos are welcome at any step of a report.
  if (!in.photos.empty()) {
    std::vector<std::string> kept = absl::StrSplit(s.Get("photos"), '\x1f', absl::SkipEmpty());
    kept.insert(kept.end(), in.photos.begin(), in.photos.end());
    if (kept.size() > 20) kept.resize(20);
    s.f["photos"] = absl::StrJoin(kept, "\x1f");
    if (text.empty()) {
      std::string received = absl::StrCat(T(lang, "Photo received (", "收到相片（", "收到照片（"),
                                          kept.size(), T(lang, "). ", "）。", "）。"));
      if (step == "photos" || (step.empty() && !s.Get("description").empty())) {
        return Replies{s.Ask("photos",
                             received + T(lang, "Send more, or press Done.",
                                          "可再傳送，或按「完成」。", "可继续发送，或按「完成」。"),
                             {{T(lang, "Done", "完成", "完成"), "photos:done"}})};
      }
      if (!s.Get("description").empty()) {
        Reply again = s.Again();
        again.text = received + "\n" + again.text;
        return Replies{again};
      }
      return Replies{
          s.Ask("category", T(lang, "Photo received. Please describe the problem in a few words.",
                              "收到相片。請簡單描述問題。", "收到照片。请简单描述问题。"))};
    }
  }
  LOBBY_ASSIGN_OR_RETURN(auto catalog, Catalog(s));
  auto category_buttons = [&]() {
    Buttons b;
    for (const auto& c : catalog->categories()) {
      if (c.kind() == "repair" && b.size() < 9)
        b.push_back({CategoryName(c, lang), "cat:" + c.id()});
    }
    return b;
  };
  if (step.empty() && (in.button || text.empty())) {
    return Replies{s.Ask(
        "category",
        T(lang, "What is the problem? Describe it in a few words, or choose:",
          "請問有什麼問題？請簡單描述，或選擇類別：", "请问有什么问题？请简单描述，或选择类别："),
        category_buttons())};
  }
  if (step == "emergency_where") {
    // "Tower 1 G": the building, then the floor.
    std::vector<std::string> words = absl::StrSplit(text, ' ', absl::SkipWhitespace());
    if (in.button || words.empty() || text.size() > 60) return Misunderstood(s, in, s.Again());
    s.f["floor"] = words.size() > 1 ? words.back() : "G";
    words.pop_back();
    s.f["building"] = words.empty() ? text : absl::StrJoin(words, " ");
    return CreateRepair(s, in);
  }
  if (step.empty() || step == "category" || step == "confirm_category") {
    std::string category;
    if (in.button && absl::StartsWith(text, "cat:")) category = text.substr(4);
    if (step == "confirm_category" && in.button && text == "yes") category = s.Get("category");
    if (step == "confirm_category" && in.button && text == "no") {
      return Replies{
          s.Ask("category",
                T(lang, "Which kind of problem is it?", "請選擇問題類別：", "请选择问题类别："),
                category_buttons())};
    }
    if (category.empty() && !in.button && !text.empty()) {
      // Free text: the classifier guesses, the resident confirms (an emergency is not asked).
      s.f["description"] = text;
      LOBBY_ASSIGN_OR_RETURN(auto c, api_.Classify(s.site, text));
      if (c.emergency() && !c.category().empty()) {
        s.f["category"] = c.category();
        return CreateRepair(s, in);
      }
      if (c.kind() == "complaint" && s.resident) {
        s.f["flow"] = "complaint";
        s.f["step"] = "";
        s.f["category"] = c.category();
        return Complaint(s, in);
      }
      const v1::Category* guess = c.kind() == "repair" ? Find(*catalog, c.category()) : nullptr;
      if (guess == nullptr) {
        return Replies{
            s.Ask("category",
                  T(lang, "Which kind of problem is it?", "請選擇問題類別：", "请选择问题类别："),
                  category_buttons())};
      }
      s.f["category"] = guess->id();
      return Replies{s.Ask("confirm_category",
                           absl::StrCat(T(lang, "A repair: ", "報修類別：", "报修类别："),
                                        CategoryName(*guess, lang),
                                        T(lang, "? Is that right?", "，對嗎？", "，对吗？")),
                           {{T(lang, "Yes", "是", "是"), "yes"},
                            {T(lang, "No, choose", "不是，我自己選", "不是，我自己选"), "no"}})};
    }
    const v1::Category* chosen = category.empty() ? nullptr : Find(*catalog, category);
    if (chosen == nullptr || chosen->kind() != "repair") {
      return Misunderstood(s, in, s.Again());
    }
    s.f["category"] = chosen->id();
    if (chosen->emergency()) return CreateRepair(s, in);
    return NextRepairQuestion(s);
  }
  if (step == "describe") {
    if (in.button || text.empty())
      return Misunderstood(s, in,
                           s.Ask(step, T(lang, "Please describe the problem in a few words.",
                                         "請簡單描述問題。", "请简单描述问题。")));
    s.f["description"] = text;
    return NextRepairQuestion(s);
  }
  if (step == "where") {
    if (text == "where:unit" || text == "where:common") {
      s.f["where"] = text.substr(6);
      return NextRepairQuestion(s);
    }
    return Misunderstood(s, in, s.Again());
  }
  if (step == "building" || step == "floor" || step == "area") {
    if (text == "skip" && step == "area") {
      s.f["area"] = "-";
      return NextRepairQuestion(s);
    }
    bool picked = in.button && absl::StartsWith(text, "place:");
    std::string value(absl::StripAsciiWhitespace(picked ? text.substr(6) : text));
    if ((in.button && !picked) || value.empty() || value.size() > 60)
      return Misunderstood(s, in, s.Again());
    s.f[step] = value;
    if (auto wrong = CheckPlace(s, step)) return Replies{*std::move(wrong)};
    return NextRepairQuestion(s);
  }
  if (step == "photos") {
    if (text == "photos:done") {
      s.f["photos_done"] = "1";
      return NextRepairQuestion(s);
    }
    return Misunderstood(s, in,
                         s.Ask(step,
                               T(lang, "Send a photo, or press Done.", "請傳送相片，或按「完成」。",
                                 "请发送照片，或按「完成」。"),
                               DecodeButtons(s.Get("options"))));
  }
  if (step == "window") {
    if (absl::StartsWith(text, "win:")) {
      s.f["window"] = text.substr(4);
      for (const auto& [label, data] : DecodeButtons(s.Get("options"))) {
        if (data == text) s.f["window_label"] = label;
      }
      return NextRepairQuestion(s);
    }
    return Misunderstood(s, in, s.Again());
  }
  if (step == "entry") {
    if (text == "entry:yes" || text == "entry:no") {
      s.f["entry"] = text.substr(6);
      return NextRepairQuestion(s);
    }
    return Misunderstood(s, in, s.Again());
  }
  if (step == "summary") {
    if (text == "confirm") return CreateRepair(s, in);
    return Misunderstood(s, in, s.Again());
  }
  return Misunderstood(s, in, s.Again());
}

absl::StatusOr<std::vector<Reply>> Conversation::NextRepairQuestion(Session& s) {
  const std::string& lang = s.lang;
  if (s.Get("description").empty()) {
    return Replies{s.Ask("describe", T(lang, "Please describe the problem in a few words.",
                                       "請簡單描述問題。", "请简单描述问题。"))};
  }
  if (s.Get("where").empty()) {
    return Replies{
        s.Ask("where", T(lang, "Where is it?", "請問問題在哪裡？", "请问问题在哪里？"),
              {{absl::StrCat(T(lang, "My flat (", "我的單位（", "我的房屋（"),
                             UnitText(s.resident->unit(), lang), T(lang, ")", "）", "）")),
                "where:unit"},
               {T(lang, "A common area", "公共地方", "公共区域"), "where:common"}})};
  }
  bool common = s.Get("where") == "common";
  if (common && s.Get("building").empty()) {
    return Replies{s.Ask("building",
                         T(lang, "Which building? (e.g. Tower 1)", "請問是哪一座？（例如 Tower 1）",
                           "请问是哪一栋？（例如 Tower 1）"),
                         PlaceButtons(s, "building"))};
  }
  if (common && s.Get("floor").empty()) {
    return Replies{
        s.Ask("floor", T(lang, "Which floor? (e.g. G, 12, B1)", "請問是哪一層？（例如 G、12、B1）",
                         "请问是哪一层？（例如 G、12、B1）"))};
  }
  if (common && s.Get("area").empty()) {
    return Replies{
        s.Ask("area",
              T(lang, "Where exactly? (e.g. lift lobby, car park)",
                "具體位置？（例如升降機大堂、停車場）", "具体位置？（例如电梯厅、停车场）"),
              PlaceButtons(s, "area"))};
  }
  if (s.Get("photos_done").empty()) {
    return Replies{s.Ask("photos",
                         T(lang, "You can send photos now (any number). Press Done when finished.",
                           "您可以傳送相片（數量不限），完成後請按「完成」。",
                           "您可以发送照片（数量不限），完成后请按「完成」。"),
                         {{T(lang, s.Get("photos").empty() ? "No photos" : "Done",
                             s.Get("photos").empty() ? "不用相片" : "完成",
                             s.Get("photos").empty() ? "不用照片" : "完成"),
                           "photos:done"}})};
  }
  if (!common && s.Get("window").empty()) {
    // The next three days, mornings and afternoons, in the estate's time: a preference that
    // the team confirms.
    Buttons b;
    absl::TimeZone zone = Zone(s);
    absl::CivilDay today = absl::ToCivilDay(clock_.Now(), zone);
    static const char* kWeekdayHant[] = {"一", "二", "三", "四", "五", "六", "日"};
    for (int d = 1; d <= 3; ++d) {
      absl::CivilDay day = today + d;
      for (auto [from, to] : {std::pair{9, 13}, std::pair{14, 18}}) {
        absl::Time start =
            absl::FromCivil(absl::CivilHour(day.year(), day.month(), day.day(), from), zone);
        absl::Time end =
            absl::FromCivil(absl::CivilHour(day.year(), day.month(), day.day(), to), zone);
        std::string label =
            lang == "en" ? absl::StrCat(DayText(start, zone), from < 12 ? " 9am-1pm" : " 2-6pm")
                         : absl::StrCat(day.month(), "月", day.day(), "日（",
                                        kWeekdayHant[static_cast<int>(absl::GetWeekday(day))], "）",
                                        from < 12 ? "上午" : "下午");
        b.push_back({label, absl::StrCat("win:", absl::ToUnixSeconds(start), "-",
                                         absl::ToUnixSeconds(end))});
      }
    }
    b.push_back({T(lang, "Any time", "任何時間", "任何时间"), "win:any"});
    return Replies{s.Ask(
        "window", T(lang, "When can we visit?", "請問什麼時間方便上門？", "请问什么时间方便上门？"),
        b)};
  }
  if (!common && s.Get("entry").empty()) {
    return Replies{s.Ask(
        "entry",
        T(lang, "May our staff enter if nobody is home (with the management's key)?",
          "如家中無人，可否讓員工用管理處鎖匙進入？", "如家中无人，可否让员工用物业钥匙进入？"),
        {{T(lang, "Yes", "可以", "可以"), "entry:yes"},
         {T(lang, "No, I will be home", "不可以，我會在家", "不可以，我会在家"), "entry:no"}})};
  }
  // The summary.
  LOBBY_ASSIGN_OR_RETURN(auto catalog, Catalog(s));
  const v1::Category* c = Find(*catalog, s.Get("category"));
  std::vector<std::string> photos = absl::StrSplit(s.Get("photos"), '\x1f', absl::SkipEmpty());
  std::string where = common ? absl::StrCat(s.Get("building"), " ", s.Get("floor"),
                                            s.Get("area") == "-" ? "" : " " + s.Get("area"))
                             : UnitText(s.resident->unit(), lang);
  std::string summary = absl::StrCat(
      T(lang, "Please confirm:", "請確認：", "请确认："), "\n",
      T(lang, "Repair: ", "報修：", "报修："), c ? CategoryName(*c, lang) : s.Get("category"), "\n",
      T(lang, "Where: ", "地點：", "地点："), where, "\n", T(lang, "Problem: ", "問題：", "问题："),
      Utf8Prefix(s.Get("description"), 200));
  if (!photos.empty())
    absl::StrAppend(&summary, "\n", T(lang, "Photos: ", "相片：", "照片："), photos.size());
  if (!common) {
    absl::StrAppend(&summary, "\n", T(lang, "Visit: ", "上門時間：", "上门时间："),
                    s.Get("window_label"));
    absl::StrAppend(
        &summary, "\n",
        T(lang, "Entry when nobody is home: ", "無人在家時可進入：", "无人在家时可进入："),
        s.Get("entry") == "yes" ? T(lang, "yes", "可以", "可以")
                                : T(lang, "no", "不可以", "不可以"));
  }
  return Replies{s.Ask("summary", summary,
                       {{T(lang, "Confirm", "確認", "确认"), "confirm"},
                        {T(lang, "Cancel", "取消", "取消"), "cancel"}})};
}

absl::StatusOr<std::vector<Reply>> Conversation::CreateRepair(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  LOBBY_ASSIGN_OR_RETURN(auto catalog, Catalog(s));
  const v1::Category* c = Find(*catalog, s.Get("category"));
  bool emergency = c != nullptr && c->emergency();
  if (emergency && !s.resident && (s.Get("building").empty() || s.Get("floor").empty())) {
    // A guest's emergency: where, in one question (its answer fills both), then at once.
    return Replies{s.Ask("emergency_where",
                         T(lang, "EMERGENCY: where is it? Building and floor, e.g. Tower 1 G",
                           "緊急事故：請告訴我們地點（座數及樓層，例如 Tower 1 G）",
                           "紧急事故：请告诉我们地点（楼栋及楼层，例如 Tower 1 G）"))};
  }
  v1::CreateTicketRequest req;
  v1::Ticket* t = req.mutable_ticket();
  t->set_site_id(s.site);
  bool common = !s.resident || s.Get("where") == "common";
  if (common) {
    t->mutable_location()->set_building(s.Get("building"));
    t->mutable_location()->set_floor(s.Get("floor"));
    if (s.Get("area") != "-") t->mutable_location()->set_area(s.Get("area"));
  } else {
    *t->mutable_location()->mutable_unit() = s.resident->unit();
  }
  t->set_category(s.Get("category"));
  t->set_channel(in.channel);
  std::string description = s.Get("description");
  if (description.empty() && c != nullptr) description = CategoryName(*c, lang);
  t->set_description(Utf8Prefix(description, kMaxDescriptionChars));
  if (s.resident) {
    t->mutable_reporter()->set_resident_id(s.resident->id());
  } else {
    t->mutable_reporter()->set_name(absl::StrCat("guest (", ChannelName(in.channel), ")"));
  }
  for (absl::string_view p : absl::StrSplit(s.Get("photos"), '\x1f', absl::SkipEmpty())) {
    v1::Photo* photo = t->add_photos();
    photo->set_url(std::string(p));
    photo->set_content_type("image/jpeg");  // chat apps send photos as JPEG
  }
  if (!common) {
    std::vector<std::string> w = absl::StrSplit(s.Get("window"), '-');
    int64_t from = 0, to = 0;
    if (w.size() == 2 && absl::SimpleAtoi(w[0], &from) && absl::SimpleAtoi(w[1], &to)) {
      *t->mutable_repair()->mutable_visit_window()->mutable_start() =
          ToTimestamp(absl::FromUnixSeconds(from));
      *t->mutable_repair()->mutable_visit_window()->mutable_end() =
          ToTimestamp(absl::FromUnixSeconds(to));
    }
    t->mutable_repair()->set_entry_permission(s.Get("entry") == "yes");
  }
  req.set_idempotency_key(absl::StrCat(ChannelName(in.channel), ":", in.message_id));
  auto created = api_.CreateRepair(req);
  if (absl::IsInvalidArgument(created.status())) {
    // What the resident typed cannot make a ticket (e.g. a location too long): start again.
    log::Get("chat")->warn("event=repair_rejected error=\"{}\"", created.status().message());
    s.Reset();
    return Replies{
        {T(lang, "Sorry, we could not record that. Please try again, or ask for the service desk.",
           "對不起，未能記錄。請再試，或聯絡客服。", "对不起，未能记录。请再试，或联系客服。"),
         {}}};
  }
  if (!created.ok()) return created.status();
  s.Reset();
  if (created->emergency() || created->priority() == v1::PRIORITY_P1) {
    // The category's safety instructions follow from dispatch (a safety_instructions message).
    return Replies{
        {absl::StrCat(
             T(lang, "EMERGENCY reported: ", "緊急個案已通報：", "紧急工单已通报："), created->id(),
             T(lang, ". Our duty team is on the way.", "。當值同事正趕來。", "。值班同事正赶来。")),
         {}}};
  }
  return Replies{{absl::StrCat(T(lang, "Thank you. Your repair number is ", "多謝，您的報修編號是 ",
                                 "谢谢，您的报修编号是 "),
                               created->id(),
                               T(lang, ". Type the number at any time for its status.",
                                 "。隨時輸入編號可查詢進度。", "。随时输入编号可查询进度。")),
                  {}}};
}

// ------------------------------------------------------------------ complaints

absl::StatusOr<std::vector<Reply>> Conversation::Complaint(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  const std::string& text = in.text;
  const std::string step = s.Get("step");
  LOBBY_ASSIGN_OR_RETURN(auto catalog, Catalog(s));
  if (step.empty()) {
    // Reached from free text the classifier read as a complaint: its subject is known.
    if (!s.Get("category").empty()) {
      for (const Subject& sub : kSubjects) {
        if (s.Get("category") == sub.category) s.f["subject"] = std::to_string(sub.subject);
      }
    }
    if (s.Get("subject").empty()) {
      Buttons b;
      for (const Subject& sub : kSubjects)
        b.push_back(
            {T(lang, sub.en, sub.hant, sub.hans), "subject:" + std::to_string(sub.subject)});
      return Replies{s.Ask(
          "subject",
          T(lang, "What is your complaint about?", "請問投訴的是哪方面？", "请问投诉的是哪方面？"),
          b)};
    }
  }
  if (step == "subject") {
    int subject = 0;
    if (!in.button || !absl::StartsWith(text, "subject:") ||
        !absl::SimpleAtoi(text.substr(8), &subject) || !v1::ComplaintSubject_IsValid(subject) ||
        subject == 0) {
      return Misunderstood(s, in, s.Again());
    }
    s.f["subject"] = std::to_string(subject);
  }
  if (step == "describe") {
    if (in.button || text.empty()) return Misunderstood(s, in, s.Again());
    s.f["description"] = text;
  }
  if (s.Get("description").empty()) {
    return Replies{s.Ask("describe", T(lang, "Please tell us what happened.",
                                       "請告訴我們發生了什麼事。", "请告诉我们发生了什么事。"))};
  }
  if (step == "anonymous") {
    if (text != "anon:yes" && text != "anon:no") return Misunderstood(s, in, s.Again());
    s.f["anonymous"] = text.substr(5);
  }
  if (s.Get("anonymous").empty()) {
    return Replies{
        s.Ask("anonymous",
              T(lang, "Should the team handling it see your name? (A supervisor always can.)",
                "處理的同事可否看到您的名字？（主管一定看得到。）",
                "处理的同事可否看到您的名字？（主管一定看得到。）"),
              {{T(lang, "Show my name", "可以", "可以"), "anon:no"},
               {T(lang, "Stay anonymous", "匿名", "匿名"), "anon:yes"}})};
  }
  int subject = 0;
  (void)absl::SimpleAtoi(s.Get("subject"), &subject);
  const Subject* sub = &kSubjects[std::size(kSubjects) - 1];
  for (const Subject& x : kSubjects) {
    if (x.subject == subject) sub = &x;
  }
  if (step == "summary") {
    if (text != "confirm") return Misunderstood(s, in, s.Again());
    // The category: the classifier's reading of the words, else the subject's usual one, else
    // the catalog's first complaint category.
    std::string category;
    if (const v1::Category* c = Find(*catalog, s.Get("category"));
        c != nullptr && c->kind() == "complaint")
      category = c->id();
    if (category.empty()) {
      LOBBY_ASSIGN_OR_RETURN(auto c, api_.Classify(s.site, s.Get("description")));
      if (c.kind() == "complaint") category = c.category();
    }
    if (category.empty() && Find(*catalog, sub->category) != nullptr) category = sub->category;
    for (const auto& c : catalog->categories()) {
      if (category.empty() && c.kind() == "complaint") category = c.id();
    }
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id(s.site);
    *t->mutable_location()->mutable_unit() = s.resident->unit();
    t->set_category(category);
    t->set_channel(in.channel);
    t->set_description(Utf8Prefix(s.Get("description"), kMaxDescriptionChars));
    t->mutable_reporter()->set_resident_id(s.resident->id());
    t->mutable_complaint()->set_subject(sub->subject);
    t->mutable_complaint()->set_anonymous(s.Get("anonymous") == "yes");
    req.set_idempotency_key(absl::StrCat(ChannelName(in.channel), ":", in.message_id));
    LOBBY_ASSIGN_OR_RETURN(auto created, api_.CreateComplaint(req));
    s.Reset();
    return Replies{{absl::StrCat(T(lang, "Thank you. Your complaint number is ",
                                   "多謝，您的投訴編號是 ", "谢谢，您的投诉编号是 "),
                                 created.id(),
                                 T(lang, ". We will contact you about it.", "。我們會與您跟進。",
                                   "。我们会与您跟进。")),
                    {}}};
  }
  std::string summary = absl::StrCat(
      T(lang, "Please confirm:", "請確認：", "请确认："), "\n",
      T(lang, "Complaint: ", "投訴：", "投诉："), T(lang, sub->en, sub->hant, sub->hans), "\n",
      Utf8Prefix(s.Get("description"), 200), "\n",
      s.Get("anonymous") == "yes" ? T(lang, "Anonymous", "匿名", "匿名")
                                  : T(lang, "With your name", "具名", "具名"));
  return Replies{s.Ask("summary", summary,
                       {{T(lang, "Confirm", "確認", "确认"), "confirm"},
                        {T(lang, "Cancel", "取消", "取消"), "cancel"}})};
}

// ------------------------------------------------------------------ status, surveys, the desk

absl::StatusOr<std::vector<Reply>> Conversation::Status(Session& s, const std::string& number) {
  const std::string& lang = s.lang;
  auto t = api_.GetTicket(number);
  if (absl::IsNotFound(t.status()) || absl::IsInvalidArgument(t.status()) ||
      (t.ok() && t->reporter().resident_id() != s.resident->id())) {
    return Replies{{absl::StrCat(number, T(lang, ": no such ticket of yours.",
                                           "：找不到您的這個個案。", "：找不到您的这个工单。")),
                    {}}};
  }
  if (!t.ok()) return t.status();
  return Replies{
      {TicketStatusLine(*t, lang,
                        t->site_id() == s.site
                            ? Zone(s)
                            : EstateZone(api_.GetRegister(t->site_id()), options_.time_zone)),
       {}}};
}

absl::StatusOr<std::vector<Reply>> Conversation::Visit(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  if (!in.button && s.Get("step") == "visit_other") {  // the time that would suit them
    if (in.text.empty()) return Misunderstood(s, in, s.Again());
    std::string ticket = s.Get("visit");
    LOBBY_RETURN_IF_ERROR(api_.AddComment(
        ticket, absl::StrCat("請改期 / another visit time, please: ", Utf8Prefix(in.text, 500)),
        false, "resident:" + s.resident->id()));
    s.Reset();
    return Replies{{absl::StrCat(ticket, T(lang, ": thank you. We will propose another time.",
                                           "：多謝，我們會另約時間。", "：谢谢，我们会另约时间。")),
                    {}}};
  }
  std::vector<std::string> v = absl::StrSplit(in.text, ':');
  if (v.size() != 3 || (v[2] != "confirm" && v[2] != "other"))
    return Misunderstood(s, in, s.Again());
  const std::string& ticket = v[1];
  s.Reset();
  // A button pressed after the visit moved on (confirmed, replaced, the job done): say where
  // the ticket stands instead.
  auto stale = [&](const char* en, const char* hant,
                   const char* hans) -> absl::StatusOr<std::vector<Reply>> {
    LOBBY_ASSIGN_OR_RETURN(auto status, Status(s, ticket));
    status.front().text = absl::StrCat(T(lang, en, hant, hans), "\n", status.front().text);
    return status;
  };
  auto moved_on = [&] {
    return stale("That visit is no longer open to change.", "這次上門安排已不能更改。",
                 "这次上门安排已不能更改。");
  };
  auto t = api_.GetTicket(ticket);
  if (!t.ok() && !absl::IsNotFound(t.status()) && !absl::IsInvalidArgument(t.status()))
    return t.status();
  if (!t.ok() || t->reporter().resident_id() != s.resident->id()) return Status(s, ticket);
  bool proposed = t->has_repair() && t->repair().has_visit_window() &&
                  t->status() != v1::TICKET_STATUS_RESOLVED &&
                  t->status() != v1::TICKET_STATUS_CLOSED &&
                  t->status() != v1::TICKET_STATUS_CANCELLED;
  if (!proposed) return moved_on();
  if (v[2] == "other") {
    s.f["visit"] = ticket;
    return Replies{
        s.Ask("visit_other", T(lang, "When would suit you better? Please tell us a day and a time.",
                               "請問甚麼時間較方便？請告訴我們日子和時間。",
                               "请问什么时间比较方便？请告诉我们日期和时间。"))};
  }
  if (t->repair().visit_window().confirmed())
    return stale("The visit is confirmed already.", "上門時間已經確定。", "上门时间已经确定。");
  auto confirmed = api_.ConfirmVisit(ticket, s.resident->id());
  if (absl::IsFailedPrecondition(confirmed.status())) return moved_on();  // since it was read
  if (!confirmed.ok()) return confirmed.status();
  return Replies{{absl::StrCat(T(lang, "Thank you, the visit is confirmed.",
                                 "多謝，上門時間已確定。", "谢谢，上门时间已确定。"),
                               "\n", TicketStatusLine(*confirmed, lang, Zone(s))),
                  {}}};
}

absl::StatusOr<std::vector<Reply>> Conversation::Mine(Session& s) {
  const std::string& lang = s.lang;
  LOBBY_ASSIGN_OR_RETURN(auto mine, api_.ListMine(*s.resident, 5));
  s.Reset();
  if (mine.empty())
    return Replies{
        {T(lang, "You have no tickets yet.", "您暫時沒有個案。", "您暂时没有工单。"), {}}};
  LOBBY_ASSIGN_OR_RETURN(auto catalog, Catalog(s));
  std::string text = T(lang, "Your latest tickets:", "您最近的個案：", "您最近的工单：");
  for (const auto& t : mine) {
    const v1::Category* c = Find(*catalog, t.category());
    absl::StrAppend(&text, "\n", t.id(), " ", c ? CategoryName(*c, lang) : t.category(), " - ",
                    StatusText(t.status(), lang));
  }
  absl::StrAppend(
      &text, "\n",
      T(lang, "Type a number for details.", "輸入編號可查看詳情。", "输入编号可查看详情。"));
  return Replies{{text, {}}};
}

absl::StatusOr<std::vector<Reply>> Conversation::Survey(Session& s, const Inbound& in) {
  const std::string& lang = s.lang;
  const std::string& text = in.text;
  std::vector<std::string> sv = absl::StrSplit(text, ':');
  bool digit = text.size() == 1 && text[0] >= '1' && text[0] <= '5';
  if ((in.button && sv.size() == 4 && sv[0] == "survey" && sv[2] == "overall") ||
      (s.Get("step").empty() && digit)) {
    std::string id = sv.size() == 4 ? sv[1] : s.Get("survey");
    std::string score = sv.size() == 4 ? sv[3] : text;
    s.Reset();
    s.f["survey"] = id;
    s.f["overall"] = score;
    return Replies{s.Ask(
        "survey_fixed",
        T(lang, "Thank you. Is the problem fixed?", "多謝。問題解決了嗎？", "谢谢。问题解决了吗？"),
        {{T(lang, "Yes", "是", "是"), "survey:" + id + ":fixed:yes"},
         {T(lang, "No", "否", "否"), "survey:" + id + ":fixed:no"}})};
  }
  if (in.button && sv.size() == 4 && sv[0] == "survey" && sv[2] == "fixed" &&
      s.Get("step") == "survey_fixed") {
    v1::SubmitResponseRequest req;
    req.set_survey_id(sv[1]);
    int overall = 0;
    (void)absl::SimpleAtoi(s.Get("overall"), &overall);
    req.mutable_answer()->set_overall(overall);
    req.mutable_answer()->set_not_fixed(sv[3] == "no");
    absl::Status st = api_.SubmitSurvey(req);
    if (!st.ok() && !absl::IsFailedPrecondition(st)) return st;
    s.f.clear();
    if (absl::IsFailedPrecondition(st)) {
      return Replies{{T(lang, "This survey is closed already. Thank you!",
                        "這份問卷已經結束，多謝！", "这份问卷已经结束，谢谢！"),
                      {}}};
    }
    return Replies{
        {sv[3] == "no"
             ? T(lang, "Sorry to hear that. We have reopened it and will call you.",
                 "很抱歉，我們已重開個案，並會致電您跟進。",
                 "很抱歉，我们已重开工单，并会致电您跟进。")
             : T(lang, "Thank you for your feedback!", "多謝您的意見！", "谢谢您的意见！"),
         {}}};
  }
  return Misunderstood(s, in, s.Again());
}

absl::StatusOr<std::vector<Reply>> Conversation::Callback(Session& s, const Inbound& in,
                                                          const std::string& reason) {
  const std::string& lang = s.lang;
  v1::RequestCallbackRequest req;
  v1::CallbackTask* t = req.mutable_task();
  t->set_site_id(s.site);
  if (s.resident) t->set_resident_id(s.resident->id());
  if (!s.Get("phone").empty()) t->set_phone(s.Get("phone"));
  t->set_channel(in.channel);
  t->set_external_id(in.user);
  t->set_language(lang);
  t->set_reason(reason);
  t->set_text(Utf8Prefix(in.text, 500));
  req.set_idempotency_key(absl::StrCat(ChannelName(in.channel), ":", in.message_id));
  LOBBY_ASSIGN_OR_RETURN(auto task, api_.RequestCallback(req));
  s.Reset();
  std::string text = reason == "not_understood"
                         ? T(lang, "Sorry, I could not help with that. ",
                             "對不起，我未能處理您的訊息。", "对不起，我未能处理您的消息。")
                         : "";
  absl::StrAppend(&text,
                  T(lang, "We have asked the service desk to contact you (ref ",
                    "我們已通知客服與您聯絡（編號 ", "我们已通知客服与您联系（编号 "),
                  task.id(),
                  T(lang, "). For an emergency, please call the estate hotline.",
                    "）。如有緊急事故，請致電屋苑熱線。", "）。如有紧急情况，请致电小区热线。"));
  return Replies{{text, {}}};
}

absl::StatusOr<bool> InWindow(const ProviderHost& host, v1::Channel channel, const queue::Entry& m,
                              const std::string& to, absl::Duration window) {
  if (m.Get("kind") == "chat_reply" || m.Get("kind") == "callback_answer") return true;
  return adapters::HeardWithin(host.redis, channel, to, window, host.clock.Now());
}

std::pair<std::string, std::string> TemplateParameters(const queue::Entry& m,
                                                       const std::string& text) {
  std::string ticket(m.Get("ticket_id"));
  absl::string_view body = text;
  if (!ticket.empty() && absl::ConsumePrefix(&body, ticket)) {
    if (!absl::ConsumePrefix(&body, ":")) absl::ConsumePrefix(&body, "：");
    body = absl::StripLeadingAsciiWhitespace(body);
  }
  std::string line = absl::StrReplaceAll(body, {{"\n- ", " · "}, {"\n", " "}, {"\t", " "}});
  return {ticket.empty() ? "Lobby" : ticket, Utf8Prefix(line, 1000)};
}

absl::Status Answer(const ProviderHost& host, const Inbound& in, const std::string& to,
                    const std::string& seen_key,
                    const std::vector<std::pair<std::string, std::string>>& extra_fields) {
  auto replies = host.conversation.Handle(in);
  if (!replies.ok()) {
    log::Get(ChannelName(in.channel))
        ->warn("event=conversation_failed message={} error=\"{}\"", in.message_id,
               replies.status().message());
    // Only transient failures get here: the provider retries (the ticket's idempotency key keeps
    // it single), whatever the code.
    return absl::UnavailableError(replies.status().message());
  }
  return QueueReplies(host.redis, in.channel, *replies, to, seen_key, extra_fields);
}

}  // namespace lobby::chatbot
