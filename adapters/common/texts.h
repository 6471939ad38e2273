#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lobby/v1/common.pb.h"
#include "lobby/v1/complaints.pb.h"
#include "lobby/v1/dispatch.pb.h"
#include "lobby/v1/repairs.pb.h"

// What every adapter says to residents and how it reads what they type, in one place: the chat
// conversation, SMS texting and the hotline share these.
namespace lobby::adapters {

/// `en`, `hant` or `hans`, for the language ("en", "zh-Hant", "zh-Hans").
std::string T(const std::string& lang, const char* en, const char* hant, const char* hans);
/// The category's name in the language (else English, else its id).
std::string CategoryName(const v1::Category& c, const std::string& lang);
/// "received", "assigned", ... in the language.
std::string StatusText(v1::TicketStatus s, const std::string& lang);
/// "Tower 1, 12/F, flat A" (or 中文).
std::string UnitText(const v1::Unit& u, const std::string& lang);

/// A complaint subject as residents choose it, and the catalog's usual category for it.
struct Subject {
  v1::ComplaintSubject subject;
  const char* category;  // "" where no one category fits
  const char *en, *hant, *hans;
};
/// Every subject, in the order offered; the last is "something else".
inline constexpr Subject kSubjects[] = {
    {v1::COMPLAINT_SUBJECT_NOISE, "noise", "Noise", "噪音", "噪音"},
    {v1::COMPLAINT_SUBJECT_NEIGHBOUR, "neighbour", "A neighbour", "鄰居", "邻居"},
    {v1::COMPLAINT_SUBJECT_STAFF, "staff_conduct", "Staff", "員工", "员工"},
    {v1::COMPLAINT_SUBJECT_SERVICE, "", "Our service", "服務", "服务"},
    {v1::COMPLAINT_SUBJECT_ENVIRONMENT, "environment", "Environment", "環境", "环境"},
    {v1::COMPLAINT_SUBJECT_BILLING, "billing", "Fees and billing", "收費", "收费"},
    {v1::COMPLAINT_SUBJECT_OTHER, "", "Something else", "其他", "其他"},
};
/// The complaint subject a complaint category usually has (else "other").
v1::ComplaintSubject SubjectOfCategory(const std::string& category);
/// "R-10042: assigned, team plumbing, visit 11-28 09:00-12:00 (to be confirmed)."
std::string TicketStatusLine(const v1::Ticket& t, const std::string& lang, absl::TimeZone zone);

/// The estate's time zone from its register (`fallback`, the --chat-timezone, where the estate
/// has none or the register cannot be read).
absl::TimeZone EstateZone(const absl::StatusOr<v1::EstateRegister>& reg, absl::TimeZone fallback);

/// "R-10042" or "C-10007" found anywhere in `text` (case-insensitive), or "".
std::string FindTicketNumber(const std::string& text);

/// The first `max_chars` characters (code points) of UTF-8 `s`: provider limits count characters,
/// and a cut inside a character would make the message invalid.
std::string Utf8Prefix(absl::string_view s, size_t max_chars);
/// A failure worth the provider's retry (Lobby unreachable, a deadline, a conflict, a wrong
/// token), as opposed to a message Lobby will never take (bad input, a refused action).
bool IsTransient(const absl::Status& s);
/// Nothing but white space and invisible characters (zero-width spaces, NBSP, BOM, ...).
bool IsBlank(absl::string_view s);

}  // namespace lobby::adapters
