#include "adapters/common/texts.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/proto_util.h"

namespace lobby::adapters {

std::string T(const std::string& lang, const char* en, const char* hant, const char* hans) {
  if (lang == "zh-Hant") return hant;
  if (lang == "zh-Hans") return hans;
  return en;
}

std::string CategoryName(const v1::Category& c, const std::string& lang) {
  auto it = c.names().find(lang);
  if (it != c.names().end()) return it->second;
  it = c.names().find("en");
  return it != c.names().end() ? it->second : c.id();
}

std::string StatusText(v1::TicketStatus s, const std::string& lang) {
  switch (s) {
    case v1::TICKET_STATUS_NEW:
      return T(lang, "received", "已收到", "已收到");
    case v1::TICKET_STATUS_ASSIGNED:
      return T(lang, "assigned", "已派工", "已派工");
    case v1::TICKET_STATUS_ACKNOWLEDGED:
      return T(lang, "being handled", "處理中", "处理中");
    case v1::TICKET_STATUS_ON_SITE:
      return T(lang, "technician on site", "師傅已到場", "师傅已到场");
    case v1::TICKET_STATUS_ON_HOLD:
      return T(lang, "on hold", "暫停中", "暂停中");
    case v1::TICKET_STATUS_RESOLVED:
      return T(lang, "resolved", "已完成", "已完成");
    case v1::TICKET_STATUS_CLOSED:
      return T(lang, "closed", "已結案", "已结案");
    case v1::TICKET_STATUS_REOPENED:
      return T(lang, "reopened", "已重開", "已重开");
    case v1::TICKET_STATUS_CANCELLED:
      return T(lang, "cancelled", "已取消", "已取消");
    default:
      return T(lang, "in review", "審核中", "审核中");
  }
}

absl::TimeZone EstateZone(const absl::StatusOr<v1::EstateRegister>& reg, absl::TimeZone fallback) {
  absl::TimeZone zone;
  if (reg.ok() && !reg->time_zone().empty() && absl::LoadTimeZone(reg->time_zone(), &zone))
    return zone;
  return fallback;
}

std::string UnitText(const v1::Unit& u, const std::string& lang) {
  if (lang == "en") return absl::StrCat(u.building(), ", ", u.floor(), "/F, flat ", u.room());
  return absl::StrCat(u.building(), " ", u.floor(), T(lang, "", "樓 ", "楼 "), u.room(),
                      T(lang, "", "室", "室"));
}

v1::ComplaintSubject SubjectOfCategory(const std::string& category) {
  for (const Subject& sub : kSubjects) {
    if (sub.category[0] != '\0' && category == sub.category) return sub.subject;
  }
  return v1::COMPLAINT_SUBJECT_OTHER;
}

std::string TicketStatusLine(const v1::Ticket& t, const std::string& lang, absl::TimeZone zone) {
  std::string text = absl::StrCat(t.id(), ": ", StatusText(t.status(), lang));
  if (!t.team().empty())
    absl::StrAppend(&text, T(lang, ", team ", "，負責組別：", "，负责组别："), t.team());
  if (t.has_repair() && t.repair().has_visit_window()) {
    const v1::VisitWindow& w = t.repair().visit_window();
    absl::StrAppend(&text, T(lang, ", visit ", "，上門時間：", "，上门时间："),
                    absl::FormatTime("%m-%d %H:%M", FromTimestamp(w.start()), zone), "-",
                    absl::FormatTime("%H:%M", FromTimestamp(w.end()), zone),
                    w.confirmed() ? "" : T(lang, " (to be confirmed)", "（待確認）", "（待确认）"));
  }
  return text + T(lang, ".", "。", "。");
}

std::string FindTicketNumber(const std::string& text) {
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    char c = absl::ascii_toupper(text[i]);
    if ((c != 'R' && c != 'C') || text[i + 1] != '-') continue;
    if (i > 0 && absl::ascii_isalnum(text[i - 1])) continue;  // "12R-100" is not a number
    size_t j = i + 2;
    while (j < text.size() && absl::ascii_isdigit(text[j])) ++j;
    size_t digits = j - (i + 2);
    if (digits >= 5 && digits <= 7)
      return absl::StrCat(std::string(1, c), "-", text.substr(i + 2, digits));
  }
  return "";
}

bool IsTransient(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnimplemented:
      return false;
    default:  // unavailable, deadlines, aborted, a wrong token (an operator fixes it), ...
      return true;
  }
}

bool IsBlank(absl::string_view s) {
  // ASCII white space, and the Unicode spaces and invisible characters chat apps let through:
  // NBSP, the U+2000 spaces, zero-width space/joiners, word joiner, ideographic space, BOM.
  static constexpr absl::string_view kInvisible[] = {"\xc2\xa0",     "\xe2\x80\x8b", "\xe2\x80\x8c",
                                                     "\xe2\x80\x8d", "\xe2\x81\xa0", "\xe3\x80\x80",
                                                     "\xef\xbb\xbf"};
  while (!s.empty()) {
    if (absl::ascii_isspace(static_cast<unsigned char>(s[0]))) {
      s.remove_prefix(1);
      continue;
    }
    // U+2000..U+200A: e2 80 80..8a
    if (s.size() >= 3 && s[0] == '\xe2' && s[1] == '\x80' &&
        static_cast<unsigned char>(s[2]) <= 0x8a) {
      s.remove_prefix(3);
      continue;
    }
    bool skipped = false;
    for (absl::string_view c : kInvisible) {
      if (absl::ConsumePrefix(&s, c)) {
        skipped = true;
        break;
      }
    }
    if (!skipped) return false;
  }
  return true;
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

}  // namespace lobby::adapters
