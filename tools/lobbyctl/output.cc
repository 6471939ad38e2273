#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {

// Display width of UTF-8 text in a terminal: East Asian wide characters take two columns.
size_t Width(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    uint32_t cp = c;
    int len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    i += len;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
  }
  return w;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, std::ostream& os) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = Width(header[i]);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], Width(r[i]));
  }
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out += std::string(widths[i] - Width(r[i]) + 2, ' ');
    }
    os << out << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

std::string Json(const Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = false;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

std::string Lower(std::string_view enum_name, std::string_view prefix) {
  std::string s(enum_name);
  if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
  return absl::AsciiStrToLower(s);
}
std::string ChannelName(int c) { return lobby::ChannelName(static_cast<v1::Channel>(c)); }
std::string RoleName(v1::ResidentRole r) {
  return Lower(v1::ResidentRole_Name(r), "RESIDENT_ROLE_");
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M %Ez", absl::FromUnixSeconds(t.seconds()), g_zone.Get());
}
bool HasOffset(const std::string& v) {
  absl::Time t;
  std::string err;
  return absl::ParseTime(absl::RFC3339_full, v, &t, &err);
}
/// A time typed for --FLAG: RFC 3339, or without an offset ("2026-12-03 10:00",
/// "2026-12-03T10:00") in the estate's zone.
google::protobuf::Timestamp ParseTime(const std::string& flag, const std::string& v) {
  absl::Time t;
  std::string err;
  bool ok = absl::ParseTime(absl::RFC3339_full, v, &t, &err);
  for (const char* f :
       {"%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"}) {
    if (!ok) ok = absl::ParseTime(f, v, g_zone.Get(), &t, &err);
  }
  if (!ok)
    throw UsageError{
        "--" + flag +
        " is a time, e.g. \"2026-12-01 10:00\" (the estate's zone) or 2026-12-01T10:00:00+08:00"};
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}
/// The start of day --FLAG in the estate's zone; `end`: the end of that day (so that
/// --from D --to D is the whole of day D).
google::protobuf::Timestamp ParseDay(const std::string& s, const std::string& flag, bool end) {
  absl::CivilDay d;
  if (!absl::ParseCivilTime(s, &d)) throw UsageError{"--" + flag + " is a date, e.g. 2026-11-01"};
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(absl::FromCivil(end ? d + 1 : d, g_zone.Get())));
  return t;
}
std::string UnitText(const v1::Unit& u) {
  return absl::StrCat(u.site_id(), "/", u.building(), "/", u.floor(), "/", u.room());
}

v1::Channel ParseChannel(const std::string& s) {
  v1::Channel c = lobby::ChannelFromName(s);
  if (c == v1::CHANNEL_UNSPECIFIED) {
    throw UsageError{"unknown channel '" + s +
                     "' (sms, phone, wechat, whatsapp, telegram, line, counter)"};
  }
  return c;
}

v1::ResidentRole ParseRoleFlag(const std::string& s) {
  v1::ResidentRole r;
  if (!v1::ResidentRole_Parse("RESIDENT_ROLE_" + absl::AsciiStrToUpper(s), &r) ||
      r == v1::RESIDENT_ROLE_UNSPECIFIED) {
    throw UsageError{"unknown role '" + s + "' (owner, tenant, family)"};
  }
  return r;
}

EstateZone g_zone;

}  // namespace lobbyctl
