#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lobby/v1/residents.pb.h"
#include "services/common/queue.h"

// What residents are told about their tickets: which ticket events become a notice, and the
// words of each in the three languages Lobby speaks (docs/notifications.md).
namespace lobby::residents {

/// A ticket event a resident is told about, as held until it is sent: the event's own fields
/// that the words need.
struct Notice {
  std::string type;  // "ticket.on_hold", ...
  std::string ticket_id;
  std::string channel;  // where the ticket came in ("whatsapp"): told there if not elsewhere
  std::string team;
  std::string note;
  bool urgent = false;   // P1 or an emergency: never waits (quiet hours, coalescing)
  std::string priority;  // the ticket's: "P1" .. "P4"
  absl::Time visit_start, visit_end;
  std::string incident;             // the known fault's title, for a report that joined an incident
  absl::Time incident_expected_at;  // when service should be back (InfinitePast: not said)

  queue::Fields ToFields() const;
  /// A notice from fields named as ToFields names them (a ticket event's are too).
  static Notice FromEntry(const queue::Entry& e);
};

/// The notice for ticket event `e`, or nothing when the resident is not told about it: events
/// of no interest to them, internal comments, a reassignment within the same team, an SLA breach
/// on a ticket that is not urgent, and their own doings (a comment or a cancel by the resident).
std::optional<Notice> NoticeFor(const queue::Entry& e);

/// The notice's line in `language` ("zh-Hant", "zh-Hans", else English), times in `zone`: the
/// estate's own words from `own` (may be null) where it has them, else Lobby's.
std::string NoticeText(const Notice& n, absl::string_view language, absl::TimeZone zone,
                       const v1::NoticeTemplates* own = nullptr);

/// An estate's words from YAML (docs/notifications.md):
///   notices:
///     site: demo
///     texts:
///       ticket.on_site: {en: "...", zh-Hant: "..."}
/// INVALID_ARGUMENT naming what is wrong: an event residents are not told about, a language
/// other than en, zh-Hant and zh-Hans, an empty or overlong text, an unknown {placeholder}.
absl::StatusOr<v1::NoticeTemplates> ParseNoticeTemplates(absl::string_view yaml);

}  // namespace lobby::residents
