#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "lobby/v1/common.pb.h"

namespace lobby {

/// "telegram" for CHANNEL_TELEGRAM: the name used in keys, events, queues and the CLI.
std::string ChannelName(v1::Channel channel);
/// CHANNEL_TELEGRAM for "telegram" (any case): ChannelName's inverse; CHANNEL_UNSPECIFIED for a
/// name that is no channel.
v1::Channel ChannelFromName(absl::string_view name);

google::protobuf::Timestamp ToTimestamp(absl::Time t);
absl::Time FromTimestamp(const google::protobuf::Timestamp& t);
/// Within protobuf's Timestamp range (the years 1 to 9999, nanos below a second).
bool IsValidTimestamp(const google::protobuf::Timestamp& t);

/// A day as people write it, in `zone`: "Thu 3 Dec" (no padding).
std::string DayText(absl::Time t, absl::TimeZone zone);
/// A moment as a person reads it, in `zone` and with its offset: "Thu 3 Dec 10:00 (+08:00)".
std::string MomentText(absl::Time t, absl::TimeZone zone);
/// The IANA zone `name` ("Asia/Hong_Kong"), or UTC when it is empty or unknown.
absl::TimeZone ZoneNamed(absl::string_view name);
/// The end of the quiet hours `q` ("22:00" to "07:00" in `zone`) when `t` falls inside them.
std::optional<absl::Time> QuietUntil(const v1::QuietHours& q, absl::Time t, absl::TimeZone zone);

/// The text for `language` among the three Lobby speaks: zh-Hant, zh-Hans, else English.
std::string InLanguage(absl::string_view language, const char* en, const char* hant,
                       const char* hans);

/// What differs between two messages of one type, a line a field: "capacity: 4 -> 5",
/// "skills[plumbing] added: 3". Empty when they are equal; map fields compare as maps, so the
/// order Redis or YAML happened to give them in is no change.
std::vector<std::string> FieldChanges(const google::protobuf::Message& before,
                                      const google::protobuf::Message& after);

/// A site (estate) id: 1 to 32 of a-z, 0-9, '-', '_'. INVALID_ARGUMENT otherwise.
absl::Status ValidateSiteId(absl::string_view site);

}  // namespace lobby
