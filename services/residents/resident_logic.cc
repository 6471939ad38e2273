#include "services/residents/resident_logic.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/residents/csv.h"
#include "services/residents/phone.h"

namespace lobby::residents {
namespace {

bool IsComplaintId(absl::string_view id) { return absl::StartsWith(id, "C-"); }

using v1::Resident;

constexpr int kMaxRetries = 8;  // optimistic-concurrency retries when expected_version is 0
constexpr int kMaxPhones = 5;
constexpr int kMaxTags = 16;
constexpr int kMaxImportRows = 20000;

bool HasControl(absl::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

size_t CodePoints(absl::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string Trim(absl::string_view s) { return std::string(absl::StripAsciiWhitespace(s)); }

std::string RandomHex(int bytes) {
  unsigned char buf[32];
  RAND_bytes(buf, bytes);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(buf), bytes));
}

std::string RandomCode() {
  uint32_t v;
  do {
    RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  } while (v >= 4'294'000'000u);  // no modulo bias
  return absl::StrFormat("%06u", v % 1'000'000u);
}

std::string CodeHash(absl::string_view verification_id, absl::string_view code) {
  std::string in = absl::StrCat(verification_id, ":", code);
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), d);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(d), sizeof d));
}

absl::Status ValidateIdentity(v1::Channel channel, absl::string_view external_id) {
  if (channel == v1::CHANNEL_UNSPECIFIED || !v1::Channel_IsValid(channel)) {
    return absl::InvalidArgumentError(
        "channel is required (sms, phone, wechat, whatsapp, telegram, line)");
  }
  if (external_id.empty() || external_id.size() > 128 || HasControl(external_id)) {
    return absl::InvalidArgumentError("external_id is required (1 to 128 printable characters)");
  }
  return absl::OkStatus();
}

int PageSize(int requested) { return requested <= 0 ? 50 : std::min(requested, 500); }

std::string VerificationText(absl::string_view language, absl::string_view code, int minutes) {
  if (language == "zh-Hant") {
    return absl::StrCat("【Lobby】您的驗證碼是 ", code, "，", minutes,
                        " 分鐘內有效。請勿告訴他人。");
  }
  if (language == "zh-Hans") {
    return absl::StrCat("【Lobby】您的验证码是 ", code, "，", minutes,
                        " 分钟内有效。请勿告诉他人。");
  }
  return absl::StrCat("Lobby: your verification code is ", code, ". It expires in ", minutes,
                      " minutes. Do not share it.");
}

template <typename Fn>
auto RetryOnConflict(bool retry, Fn fn) -> decltype(fn()) {
  for (int i = 0;; ++i) {
    auto r = fn();
    if (!retry || i + 1 >= kMaxRetries || r.status().code() != absl::StatusCode::kAborted) return r;
  }
}

}  // namespace

// ------------------------------------------------------------------ config

void ResidentsConfig::Declare(config::Settings& s) {
  s.Declare("phone-region", "HK",
            "region for phone numbers typed without +country code (HK, CN, TW, ...)");
  s.Declare("default-language", "zh-Hant",
            "language of residents created without one: zh-Hant, zh-Hans, en");
  s.Declare("verify-code-ttl", "10m", "how long a verification code is valid");
  s.Declare("verify-attempts", "5", "wrong codes before a verification is void");
  s.Declare("verify-per-hour", "5", "verifications started per hour per phone and per identity");
}

absl::StatusOr<ResidentsConfig> ResidentsConfig::From(const config::Settings& s) {
  ResidentsConfig c;
  c.phone_region = s.Get("phone-region");
  if (!IsSupportedRegion(c.phone_region))
    return s.Invalid("phone-region", "not a known region code");
  c.default_language = s.Get("default-language");
  if (!IsSupportedLanguage(c.default_language))
    return s.Invalid("default-language", "zh-Hant, zh-Hans or en");
  LOBBY_ASSIGN_OR_RETURN(auto ttl, s.GetDuration("verify-code-ttl"));
  if (ttl < absl::Minutes(1) || ttl > absl::Hours(24))
    return s.Invalid("verify-code-ttl", "from 1m to 24h");
  c.code_ttl = ttl;
  LOBBY_ASSIGN_OR_RETURN(auto attempts, s.GetInt("verify-attempts", 1, 20));
  c.code_attempts = static_cast<int>(attempts);
  LOBBY_ASSIGN_OR_RETURN(auto per_hour, s.GetInt("verify-per-hour", 1, 1000));
  c.verifications_per_hour = static_cast<int>(per_hour);
  return c;
}

// ------------------------------------------------------------------ validation

absl::StatusOr<v1::ResidentRole> ParseRole(absl::string_view role) {
  std::string r = absl::AsciiStrToLower(absl::StripAsciiWhitespace(role));
  if (r == "owner") return v1::RESIDENT_ROLE_OWNER;
  if (r == "tenant") return v1::RESIDENT_ROLE_TENANT;
  if (r == "family") return v1::RESIDENT_ROLE_FAMILY;
  return absl::InvalidArgumentError(
      absl::StrCat("role '", role, "' is not owner, tenant or family"));
}

bool IsSupportedLanguage(absl::string_view l) {
  return l == "zh-Hant" || l == "zh-Hans" || l == "en";
}

absl::StatusOr<std::string> ResidentLogic::NormalizeUnit(v1::Unit& unit, bool check_unit) const {
  unit.set_site_id(Trim(unit.site_id()));
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(unit.site_id()));
  std::pair<const char*, std::string*> parts[] = {{"building", unit.mutable_building()},
                                                  {"floor", unit.mutable_floor()},
                                                  {"room", unit.mutable_room()}};
  for (auto& [name, value] : parts) {
    *value = Trim(*value);
    if (value->empty() || value->size() > 32 || HasControl(*value) ||
        value->find('|') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("unit ", name, " is required (1 to 32 characters, no '|')"));
    }
  }
  if (check_unit && registers_ != nullptr) {
    LOBBY_RETURN_IF_ERROR(registers_->CheckUnit(unit));
  }
  return unit.site_id();
}

absl::Status ResidentLogic::Normalize(Resident& r, bool check_unit) const {
  r.set_name(Trim(r.name()));
  if (r.name().empty() || CodePoints(r.name()) > 100 || HasControl(r.name())) {
    return absl::InvalidArgumentError("name is required (1 to 100 characters)");
  }
  if (r.phones().empty())
    return absl::InvalidArgumentError("at least one phone number is required");
  std::vector<std::string> phones;
  for (const std::string& raw : r.phones()) {
    LOBBY_ASSIGN_OR_RETURN(auto p, NormalizePhone(raw, config_.phone_region));
    if (std::find(phones.begin(), phones.end(), p) == phones.end()) phones.push_back(p);
  }
  if (phones.size() > kMaxPhones) return absl::InvalidArgumentError("at most 5 phone numbers");
  r.clear_phones();
  for (auto& p : phones) r.add_phones(std::move(p));
  if (auto s = NormalizeUnit(*r.mutable_unit(), check_unit); !s.ok()) return s.status();
  if (r.role() == v1::RESIDENT_ROLE_UNSPECIFIED || !v1::ResidentRole_IsValid(r.role())) {
    return absl::InvalidArgumentError("role is required: owner, tenant or family");
  }
  if (r.language().empty()) {
    // The estate's own first language, else --default-language.
    auto reg = registers_ != nullptr ? registers_->Get(r.unit().site_id()) : nullptr;
    r.set_language(reg && !reg->proto().languages().empty() ? reg->proto().languages(0)
                                                            : config_.default_language);
  }
  if (!IsSupportedLanguage(r.language())) {
    return absl::InvalidArgumentError(
        absl::StrCat("language '", r.language(), "' is not zh-Hant, zh-Hans or en"));
  }
  std::vector<std::string> tags;
  for (const std::string& raw : r.tags()) {
    std::string t = absl::AsciiStrToLower(Trim(raw));
    bool ok = !t.empty() && t.size() <= 32;
    for (char c : t) ok &= absl::ascii_isalnum(c) || c == '_' || c == '-';
    if (!ok)
      return absl::InvalidArgumentError(
          absl::StrCat("tag '", raw, "' must be 1 to 32 of a-z, 0-9, '_', '-'"));
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  }
  if (tags.size() > kMaxTags) return absl::InvalidArgumentError("at most 16 tags");
  r.clear_tags();
  for (auto& t : tags) r.add_tags(std::move(t));
  if (!v1::Channel_IsValid(r.preferred_channel()))
    return absl::InvalidArgumentError("unknown preferred_channel");
  const v1::QuietHours& q = r.quiet_hours();
  if (!q.start().empty() || !q.end().empty()) {
    for (const std::string& t : {q.start(), q.end()}) {
      int h, m;
      if (t.size() != 5 || t[2] != ':' || !absl::SimpleAtoi(t.substr(0, 2), &h) ||
          !absl::SimpleAtoi(t.substr(3), &m) || h > 23 || m > 59 || h < 0 || m < 0) {
        return absl::InvalidArgumentError("quiet hours are two times 'HH:MM', e.g. 22:00 to 08:00");
      }
    }
  }
  std::set<int> seen;
  std::vector<v1::Channel> opted;
  for (int c : r.opted_out_channels()) {
    if (c == v1::CHANNEL_UNSPECIFIED || !v1::Channel_IsValid(c))
      return absl::InvalidArgumentError("unknown channel in opted_out_channels");
    if (seen.insert(c).second) opted.push_back(static_cast<v1::Channel>(c));
  }
  r.clear_opted_out_channels();
  for (v1::Channel c : opted) r.add_opted_out_channels(c);
  return absl::OkStatus();
}

// ------------------------------------------------------------------ residents

ResidentLogic::ResidentLogic(ResidentStore& store, const Clock& clock, ResidentsConfig config,
                             RegisterCache* registers)
    : store_(store), clock_(clock), config_(std::move(config)), registers_(registers) {}

absl::StatusOr<Resident> ResidentLogic::Create(Resident r) {
  if (r.identities_size() > 0) {
    return absl::InvalidArgumentError("identities are added with LinkIdentity or verification");
  }
  LOBBY_RETURN_IF_ERROR(Normalize(r));
  LOBBY_ASSIGN_OR_RETURN(auto id, store_.ReserveId(r));
  r.set_id(id);
  r.clear_merged_ids();
  r.set_version(1);
  *r.mutable_created_at() = ToTimestamp(clock_.Now());
  *r.mutable_updated_at() = r.created_at();
  LOBBY_RETURN_IF_ERROR(store_.Insert(r));
  return r;
}

absl::StatusOr<Resident> ResidentLogic::Get(absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("id is required");
  return store_.Get(id);
}

absl::StatusOr<Resident> ResidentLogic::Update(const v1::UpdateResidentRequest& req) {
  static const std::set<std::string> kPaths = {"name",
                                               "phones",
                                               "unit",
                                               "role",
                                               "language",
                                               "tags",
                                               "preferred_channel",
                                               "quiet_hours",
                                               "opted_out_channels"};
  if (req.resident().id().empty()) return absl::InvalidArgumentError("resident.id is required");
  if (req.update_mask().paths().empty()) {
    return absl::InvalidArgumentError("update_mask is required: name the fields to change");
  }
  for (const std::string& p : req.update_mask().paths()) {
    if (!kPaths.count(p)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask path '", p, "' cannot be updated (", absl::StrJoin(kPaths, ", "), ")"));
    }
  }
  return RetryOnConflict(req.expected_version() == 0, [&]() -> absl::StatusOr<Resident> {
    LOBBY_ASSIGN_OR_RETURN(auto cur, store_.Get(req.resident().id()));
    if (req.expected_version() != 0 && cur.version() != req.expected_version()) {
      return absl::AbortedError(absl::StrCat("resident is at version ", cur.version(), ", not ",
                                             req.expected_version(), "; read it again"));
    }
    Resident next = cur;
    const Resident& in = req.resident();
    for (const std::string& p : req.update_mask().paths()) {
      if (p == "name") next.set_name(in.name());
      if (p == "phones") *next.mutable_phones() = in.phones();
      if (p == "unit") *next.mutable_unit() = in.unit();
      if (p == "role") next.set_role(in.role());
      if (p == "language") next.set_language(in.language());
      if (p == "tags") *next.mutable_tags() = in.tags();
      if (p == "preferred_channel") next.set_preferred_channel(in.preferred_channel());
      if (p == "quiet_hours") *next.mutable_quiet_hours() = in.quiet_hours();
      if (p == "opted_out_channels") *next.mutable_opted_out_channels() = in.opted_out_channels();
    }
    bool moved = std::find(req.update_mask().paths().begin(), req.update_mask().paths().end(),
                           "unit") != req.update_mask().paths().end();
    LOBBY_RETURN_IF_ERROR(Normalize(next, moved));
    if (next.unit().site_id() != cur.unit().site_id()) {
      return absl::FailedPreconditionError(
          "a resident cannot move to another estate: create them there and merge the records");
    }
    if (next.SerializeAsString() == cur.SerializeAsString()) return cur;
    next.set_version(cur.version() + 1);
    *next.mutable_updated_at() = ToTimestamp(clock_.Now());
    LOBBY_RETURN_IF_ERROR(store_.Replace(cur, next));
    return next;
  });
}

absl::StatusOr<v1::ListResidentsResponse> ResidentLogic::List(const v1::ListResidentsRequest& req) {
  if (req.page_size() < 0) return absl::InvalidArgumentError("page_size must not be negative");
  v1::ListResidentsResponse out;
  if (!req.phone().empty()) {
    v1::ResolvePhoneRequest by_phone;
    by_phone.set_phone(req.phone());
    by_phone.set_site_id(req.site_id());
    LOBBY_ASSIGN_OR_RETURN(auto found, ResolvePhone(by_phone));
    out.mutable_residents()->Swap(found.mutable_residents());
    return out;
  }
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  if ((!req.floor().empty() && req.building().empty()) ||
      (!req.room().empty() && req.floor().empty())) {
    return absl::InvalidArgumentError("narrow by building, then floor, then room");
  }
  ResidentQuery q{req.site_id(),    Trim(req.building()),      Trim(req.floor()),
                  Trim(req.room()), PageSize(req.page_size()), req.page_token()};
  LOBBY_ASSIGN_OR_RETURN(auto page, store_.List(q));
  for (auto& r : page.residents) *out.add_residents() = std::move(r);
  out.set_next_page_token(page.next_page_token);
  return out;
}

absl::StatusOr<v1::ResolvePhoneResponse> ResidentLogic::ResolvePhone(
    const v1::ResolvePhoneRequest& req) {
  if (req.phone().empty()) return absl::InvalidArgumentError("phone is required");
  if (!req.site_id().empty()) {
    LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  }
  LOBBY_ASSIGN_OR_RETURN(auto phone, NormalizePhone(req.phone(), config_.phone_region));
  LOBBY_ASSIGN_OR_RETURN(auto found, store_.FindByPhone(phone));
  v1::ResolvePhoneResponse out;
  out.set_phone(phone);
  for (auto& r : found) {
    if (out.residents_size() == kMaxByPhone) break;
    if (req.site_id().empty() || r.unit().site_id() == req.site_id())
      *out.add_residents() = std::move(r);
  }
  return out;
}

absl::StatusOr<v1::ImportResidentsResponse> ResidentLogic::Import(
    const v1::ImportResidentsRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto records, ParseCsv(req.csv()));
  if (records.empty())
    return absl::InvalidArgumentError("the CSV is empty: a header row is required");
  if (records.size() - 1 > kMaxImportRows) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxImportRows, " rows per import"));
  }
  static const std::vector<std::string> kRequired = {"name",  "phone", "site", "building",
                                                     "floor", "room",  "role"};
  std::map<std::string, size_t> col;
  const auto& header = records[0].fields;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string h = absl::AsciiStrToLower(Trim(header[i]));
    if (h != "language" && std::find(kRequired.begin(), kRequired.end(), h) == kRequired.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown column '", header[i], "' (name,phone,site,building,floor,room,role,language)"));
    }
    if (!col.emplace(h, i).second)
      return absl::InvalidArgumentError(absl::StrCat("column '", h, "' appears twice"));
  }
  for (const auto& c : kRequired) {
    if (!col.count(c)) return absl::InvalidArgumentError(absl::StrCat("missing column '", c, "'"));
  }
  v1::ImportResidentsResponse out;
  for (size_t i = 1; i < records.size(); ++i) {
    const CsvRecord& rec = records[i];
    v1::ImportRow* row = out.add_rows();
    row->set_line(rec.line);
    auto field = [&](const std::string& name) -> std::string {
      auto it = col.find(name);
      return it != col.end() && it->second < rec.fields.size() ? rec.fields[it->second] : "";
    };
    auto reject = [&](const absl::Status& s) {
      row->set_outcome(v1::ImportRow::OUTCOME_REJECTED);
      row->set_error(std::string(s.message()));
      out.set_rejected(out.rejected() + 1);
    };
    if (rec.fields.size() != header.size()) {
      reject(absl::InvalidArgumentError(
          absl::StrCat("expected ", header.size(), " fields, found ", rec.fields.size())));
      continue;
    }
    Resident r;
    r.set_name(field("name"));
    r.add_phones(field("phone"));
    r.mutable_unit()->set_site_id(field("site"));
    r.mutable_unit()->set_building(field("building"));
    r.mutable_unit()->set_floor(field("floor"));
    r.mutable_unit()->set_room(field("room"));
    r.set_language(Trim(field("language")));
    auto role = ParseRole(field("role"));
    if (!role.ok()) {
      reject(role.status());
      continue;
    }
    r.set_role(*role);
    if (absl::Status s = Normalize(r); !s.ok()) {
      reject(s);
      continue;
    }
    LOBBY_ASSIGN_OR_RETURN(auto existing, store_.FindByPhoneUnit(r.phones(0), r.unit()));
    if (!existing.has_value()) {
      if (req.dry_run()) {
        row->set_outcome(v1::ImportRow::OUTCOME_CREATED);
        out.set_created(out.created() + 1);
        continue;
      }
      auto created = Create(r);
      if (!created.ok()) {
        reject(created.status());
        continue;
      }
      row->set_outcome(v1::ImportRow::OUTCOME_CREATED);
      row->set_resident_id(created->id());
      out.set_created(out.created() + 1);
      continue;
    }
    row->set_resident_id(*existing);
    LOBBY_ASSIGN_OR_RETURN(auto cur, store_.Get(*existing));
    bool same = cur.name() == r.name() && cur.role() == r.role() &&
                (field("language").empty() || cur.language() == r.language());
    if (same) {
      row->set_outcome(v1::ImportRow::OUTCOME_UNCHANGED);
      out.set_unchanged(out.unchanged() + 1);
      continue;
    }
    if (!req.dry_run()) {
      v1::UpdateResidentRequest up;
      *up.mutable_resident() = r;
      up.mutable_resident()->set_id(cur.id());
      for (const char* p : {"name", "role"}) up.mutable_update_mask()->add_paths(p);
      if (!field("language").empty()) up.mutable_update_mask()->add_paths("language");
      auto updated = Update(up);
      if (!updated.ok()) {
        reject(updated.status());
        continue;
      }
    }
    row->set_outcome(v1::ImportRow::OUTCOME_UPDATED);
    out.set_updated(out.updated() + 1);
  }
  return out;
}

// ------------------------------------------------------------------ identities

absl::StatusOr<Resident> ResidentLogic::LinkOnce(const v1::LinkIdentityRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto cur, store_.Get(req.resident_id()));
  LOBBY_ASSIGN_OR_RETURN(auto owner, store_.FindIdentity(req.channel(), req.external_id()));
  if (owner.has_value() && *owner != cur.id()) {
    return absl::AlreadyExistsError(absl::StrCat(ChannelName(req.channel()),
                                                 " identity is linked to resident ", *owner,
                                                 "; unlink it first"));
  }
  Resident next = cur;
  v1::Identity* ident = nullptr;
  for (auto& i : *next.mutable_identities()) {
    if (i.channel() == req.channel() && i.external_id() == req.external_id()) ident = &i;
  }
  if (ident == nullptr) {
    ident = next.add_identities();
    ident->set_channel(req.channel());
    ident->set_external_id(req.external_id());
    *ident->mutable_linked_at() = ToTimestamp(clock_.Now());
  }
  ident->set_verified(ident->verified() || req.verified());
  if (next.SerializeAsString() == cur.SerializeAsString()) return cur;
  next.set_version(cur.version() + 1);
  *next.mutable_updated_at() = ToTimestamp(clock_.Now());
  LOBBY_RETURN_IF_ERROR(store_.Replace(cur, next));
  return next;
}

absl::StatusOr<Resident> ResidentLogic::Link(const v1::LinkIdentityRequest& req) {
  if (req.resident_id().empty()) return absl::InvalidArgumentError("resident_id is required");
  LOBBY_RETURN_IF_ERROR(ValidateIdentity(req.channel(), req.external_id()));
  return RetryOnConflict(true, [&] { return LinkOnce(req); });
}

absl::StatusOr<v1::ResolveIdentityResponse> ResidentLogic::Resolve(
    const v1::ResolveIdentityRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateIdentity(req.channel(), req.external_id()));
  auto r = store_.GetByIdentity(req.channel(), req.external_id());
  if (absl::IsNotFound(r.status())) {
    LOBBY_ASSIGN_OR_RETURN(auto staff, store_.FindStaff(req.channel(), req.external_id()));
    if (staff.has_value()) {
      v1::ResolveIdentityResponse out;
      *out.mutable_staff() = *std::move(staff);
      return out;
    }
    return absl::NotFoundError(
        absl::StrCat("no resident is linked to this ", ChannelName(req.channel()), " identity"));
  }
  if (!r.ok()) return r.status();
  v1::ResolveIdentityResponse out;
  for (const auto& i : r->identities()) {
    if (i.channel() == req.channel() && i.external_id() == req.external_id())
      *out.mutable_identity() = i;
  }
  if (req.seen() && out.identity().verified())
    LOBBY_RETURN_IF_ERROR(store_.MarkSeen(*r, clock_.Now()));
  *out.mutable_resident() = *std::move(r);
  return out;
}

absl::StatusOr<Resident> ResidentLogic::Unlink(const v1::UnlinkIdentityRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateIdentity(req.channel(), req.external_id()));
  return RetryOnConflict(true, [&]() -> absl::StatusOr<Resident> {
    LOBBY_ASSIGN_OR_RETURN(auto owner, store_.FindIdentity(req.channel(), req.external_id()));
    if (!owner.has_value()) {  // a staff member's, or nobody's
      LOBBY_RETURN_IF_ERROR(store_.UnlinkStaff(req.channel(), req.external_id()));
      return Resident();
    }
    LOBBY_ASSIGN_OR_RETURN(auto cur, store_.Get(*owner));
    Resident next = cur;
    next.clear_identities();
    for (const auto& i : cur.identities()) {
      if (i.channel() != req.channel() || i.external_id() != req.external_id())
        *next.add_identities() = i;
    }
    next.set_version(cur.version() + 1);
    *next.mutable_updated_at() = ToTimestamp(clock_.Now());
    LOBBY_RETURN_IF_ERROR(store_.Replace(cur, next));
    return next;
  });
}

// ------------------------------------------------------------------ verification

absl::StatusOr<v1::StartVerificationResponse> ResidentLogic::StartVerification(
    const v1::StartVerificationRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateIdentity(req.channel(), req.external_id()));
  LOBBY_ASSIGN_OR_RETURN(auto phone, NormalizePhone(req.phone(), config_.phone_region));
  v1::Unit unit = req.unit();
  if (req.staff_site_id().empty()) {
    if (auto s = NormalizeUnit(unit); !s.ok()) return s.status();
  }
  // Counted before the lookup, so guessing phone/unit pairs is as limited as asking for codes.
  for (const std::string& key :
       {absl::StrCat("verify:phone:", phone),
        absl::StrCat("verify:ident:", ChannelName(req.channel()), ":", req.external_id())}) {
    LOBBY_ASSIGN_OR_RETURN(auto n, store_.CountInWindow(key, absl::Hours(1)));
    if (n > config_.verifications_per_hour) {
      return absl::ResourceExhaustedError("too many verification requests; try again in an hour");
    }
  }
  if (!req.staff_site_id().empty()) return StartStaffVerification(req, phone);
  LOBBY_ASSIGN_OR_RETURN(auto resident_id, store_.FindByPhoneUnit(phone, unit));
  if (!resident_id.has_value()) {
    return absl::NotFoundError(
        "no resident with that phone number is registered at that unit; the management office can "
        "add you");
  }
  LOBBY_ASSIGN_OR_RETURN(auto owner, store_.FindIdentity(req.channel(), req.external_id()));
  if (owner.has_value() && *owner != *resident_id) {
    return absl::AlreadyExistsError(
        absl::StrCat("this ", ChannelName(req.channel()),
                     " identity is linked to another resident; unlink it first"));
  }
  LOBBY_ASSIGN_OR_RETURN(auto resident, store_.Get(*resident_id));

  Verification v;
  v.resident_id = resident.id();
  v.site_id = unit.site_id();
  v.channel = req.channel();
  v.external_id = req.external_id();
  v.phone = phone;
  LOBBY_ASSIGN_OR_RETURN(auto out,
                         SendCode(v, {"resident_id", resident.id()}, resident.language()));
  log::Get("residents")
      ->info("event=verification_started resident={} phone={} channel={}", resident.id(),
             log::MaskPhone(phone), ChannelName(req.channel()));
  return out;
}

absl::StatusOr<v1::StartVerificationResponse> ResidentLogic::SendCode(
    Verification v, std::pair<std::string, std::string> whom, const std::string& language) {
  v.id = RandomHex(16);
  std::string code = RandomCode();
  v.code_hash = CodeHash(v.id, code);
  v.expires_at = clock_.Now() + config_.code_ttl;
  int minutes = static_cast<int>(absl::ToInt64Minutes(config_.code_ttl));
  queue::Fields sms = {{"v", "1"},
                       {"kind", "verification_code"},
                       {"to", v.phone},
                       std::move(whom),
                       {"site_id", v.site_id},
                       {"language", language},
                       {"text", VerificationText(language, code, minutes)},
                       {"code", code},  // SMS templates (Aliyun) take the code apart
                       {"idempotency_key", absl::StrCat("verify:", v.id)}};
  LOBBY_RETURN_IF_ERROR(store_.SaveVerification(v, queue::OutboundStream("sms"), sms));
  v1::StartVerificationResponse out;
  out.set_verification_id(v.id);
  *out.mutable_expires_at() = ToTimestamp(v.expires_at);
  out.set_masked_phone(log::MaskPhone(v.phone));
  out.set_attempts_allowed(config_.code_attempts);
  return out;
}

absl::StatusOr<v1::StartVerificationResponse> ResidentLogic::StartStaffVerification(
    const v1::StartVerificationRequest& req, const std::string& phone) {
  if (!members_) return absl::FailedPreconditionError("staff linking is not set up here");
  LOBBY_ASSIGN_OR_RETURN(auto members, members_(req.staff_site_id()));
  const v1::Member* member = nullptr;
  for (const auto& m : members) {
    auto theirs = NormalizePhone(m.phone(), config_.phone_region);
    if (!m.phone().empty() && theirs.ok() && *theirs == phone) member = &m;
  }
  if (member == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no member of ", req.staff_site_id(),
                     "'s staff has that phone number; the estate YAML gives each member's phone"));
  }
  LOBBY_ASSIGN_OR_RETURN(auto owner, store_.FindIdentity(req.channel(), req.external_id()));
  if (owner.has_value()) {
    return absl::AlreadyExistsError(absl::StrCat("this ", ChannelName(req.channel()),
                                                 " identity is linked to a resident; unlink it "
                                                 "first (a staff member links their own)"));
  }
  Verification v;
  v.member = member->id();
  v.member_name = member->name();
  v.site_id = req.staff_site_id();
  v.channel = req.channel();
  v.external_id = req.external_id();
  v.phone = phone;
  LOBBY_ASSIGN_OR_RETURN(auto out, SendCode(v, {"member", member->id()}, config_.default_language));
  log::Get("residents")
      ->info("event=staff_verification_started site={} member={} channel={}", v.site_id,
             member->id(), ChannelName(v.channel));
  return out;
}

absl::StatusOr<v1::ResolveIdentityResponse> ResidentLogic::ConfirmVerification(
    const v1::ConfirmVerificationRequest& req) {
  if (req.verification_id().empty())
    return absl::InvalidArgumentError("verification_id is required");
  std::string code = Trim(req.code());
  if (code.size() != 6 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return absl::InvalidArgumentError("the code is 6 digits");
  }
  LOBBY_ASSIGN_OR_RETURN(auto v, store_.GetVerification(req.verification_id()));
  if (clock_.Now() >= v.expires_at) {
    (void)store_.DeleteVerification(v.id);
    return absl::NotFoundError("the code has expired; ask for a new one");
  }
  LOBBY_ASSIGN_OR_RETURN(auto attempts, store_.CountAttempt(v.id));
  if (attempts > config_.code_attempts) {
    (void)store_.DeleteVerification(v.id);
    return absl::ResourceExhaustedError("too many wrong codes; ask for a new one");
  }
  std::string got = CodeHash(v.id, code);
  if (got.size() != v.code_hash.size() ||
      CRYPTO_memcmp(got.data(), v.code_hash.data(), got.size()) != 0) {
    int left = config_.code_attempts - static_cast<int>(attempts);
    if (left <= 0) {
      (void)store_.DeleteVerification(v.id);
      return absl::InvalidArgumentError("wrong code, and no attempts are left; ask for a new one");
    }
    return absl::InvalidArgumentError(absl::StrCat("wrong code; ", left, " attempts left"));
  }
  if (!v.member.empty()) {
    v1::ResolveIdentityResponse out;
    v1::StaffIdentity* staff = out.mutable_staff();
    staff->set_site_id(v.site_id);
    staff->set_member(v.member);
    staff->set_name(v.member_name);
    staff->set_channel(v.channel);
    staff->set_external_id(v.external_id);
    *staff->mutable_linked_at() = ToTimestamp(clock_.Now());
    LOBBY_RETURN_IF_ERROR(store_.LinkStaff(*staff));
    (void)store_.DeleteVerification(v.id);
    log::Get("residents")
        ->info("event=staff_linked site={} member={} channel={}", v.site_id, v.member,
               ChannelName(v.channel));
    return out;
  }
  v1::LinkIdentityRequest link;
  link.set_resident_id(v.resident_id);
  link.set_channel(v.channel);
  link.set_external_id(v.external_id);
  link.set_verified(true);
  LOBBY_ASSIGN_OR_RETURN(auto linked, Link(link));
  (void)store_.DeleteVerification(v.id);
  v1::ResolveIdentityResponse out;
  for (const auto& i : linked.identities()) {
    if (i.channel() == v.channel && i.external_id() == v.external_id) *out.mutable_identity() = i;
  }
  *out.mutable_resident() = std::move(linked);
  return out;
}

// ------------------------------------------------------------------ merge

absl::StatusOr<Resident> ResidentLogic::Merge(const v1::MergeResidentsRequest& req) {
  if (req.survivor_id().empty() || req.merged_id().empty()) {
    return absl::InvalidArgumentError("survivor_id and merged_id are required");
  }
  if (req.survivor_id() == req.merged_id())
    return absl::InvalidArgumentError("a resident cannot be merged into itself");
  auto result = RetryOnConflict(true, [&]() -> absl::StatusOr<Resident> {
    LOBBY_ASSIGN_OR_RETURN(auto survivor, store_.Get(req.survivor_id()));
    LOBBY_ASSIGN_OR_RETURN(auto merged, store_.Get(req.merged_id()));
    if (merged.id() == survivor.id()) {
      return absl::FailedPreconditionError(
          absl::StrCat(req.merged_id(), " is already merged into ", survivor.id()));
    }
    if (merged.unit().site_id() != survivor.unit().site_id()) {
      return absl::FailedPreconditionError("residents of different estates cannot be merged");
    }
    Resident next = survivor;
    auto add_unique = [](auto* list, const std::string& value) {
      if (std::find(list->begin(), list->end(), value) == list->end()) *list->Add() = value;
    };
    for (const auto& p : merged.phones()) add_unique(next.mutable_phones(), p);
    if (next.phones_size() > kMaxPhones)
      return absl::FailedPreconditionError("together they have more than 5 phone numbers");
    for (const auto& t : merged.tags()) add_unique(next.mutable_tags(), t);
    for (const auto& i : merged.identities()) *next.add_identities() = i;
    next.add_merged_ids(merged.id());
    for (const auto& m : merged.merged_ids()) next.add_merged_ids(m);
    next.set_version(survivor.version() + 1);
    *next.mutable_updated_at() = ToTimestamp(clock_.Now());
    LOBBY_RETURN_IF_ERROR(store_.Merge(survivor, next, merged));
    return next;
  });
  if (result.ok())
    Note(*result, absl::StrCat("merged ", req.merged_id(), " into this resident"), "", "");
  return result;
}

// ------------------------------------------------------------------ timeline

std::string TimelineEntryId(absl::Time at) {
  return absl::StrFormat("%013d-%s", absl::ToUnixMillis(at), RandomHex(4));
}

std::string ResidentLogic::NewEntryId() const { return TimelineEntryId(clock_.Now()); }

absl::StatusOr<v1::ListTimelineResponse> ResidentLogic::ListTimeline(
    const v1::ListTimelineRequest& req, bool sees_anonymous) {
  if (req.resident_id().empty()) return absl::InvalidArgumentError("resident_id is required");
  if (req.page_size() < 0) return absl::InvalidArgumentError("page_size must not be negative");
  const std::string& token = req.page_token();
  if (!token.empty() && (token.size() != 22 || token[13] != '-'))
    return absl::InvalidArgumentError("bad page_token");
  LOBBY_ASSIGN_OR_RETURN(auto r, store_.Get(req.resident_id()));
  LOBBY_ASSIGN_OR_RETURN(auto page, store_.ListTimeline(r, PageSize(req.page_size()), token));
  v1::ListTimelineResponse out;
  for (auto& e : page.entries) {
    if (!sees_anonymous && IsComplaintId(e.ticket_id())) {
      // Whatever mentions a complaint filed anonymously (or not yet known to be open) would
      // name its reporter: it is for supervisors only.
      auto known = page.complaints_anonymous.find(e.ticket_id());
      if (known == page.complaints_anonymous.end() || known->second) continue;
    }
    *out.add_entries() = std::move(e);
  }
  out.set_next_page_token(page.next_page_token);
  return out;
}

absl::StatusOr<v1::TimelineEntry> ResidentLogic::AppendTimeline(
    const v1::AppendTimelineRequest& req) {
  if (req.resident_id().empty()) return absl::InvalidArgumentError("resident_id is required");
  v1::TimelineEntry e = req.entry();
  if (e.kind() == v1::TimelineEntry::KIND_UNSPECIFIED ||
      !v1::TimelineEntry::Kind_IsValid(e.kind())) {
    return absl::InvalidArgumentError("entry.kind is required");
  }
  if (e.text().size() > 8000)
    return absl::InvalidArgumentError("entry.text is longer than 8000 bytes");
  if (e.attributes_size() > 32) return absl::InvalidArgumentError("at most 32 attributes");
  if (req.idempotency_key().size() > 200)
    return absl::InvalidArgumentError("idempotency_key is longer than 200 bytes");
  LOBBY_ASSIGN_OR_RETURN(auto r, store_.Get(req.resident_id()));
  e.set_id(NewEntryId());
  if (!e.has_at()) *e.mutable_at() = ToTimestamp(clock_.Now());
  LOBBY_RETURN_IF_ERROR(store_.AppendTimeline(r, e, req.idempotency_key()));
  return e;
}

// ------------------------------------------------------------------ callback tasks

namespace {
// Who a task is for, so that one person has one open task.
std::string PersonOf(const v1::CallbackTask& t) {
  if (!t.resident_id().empty()) return t.resident_id();
  if (!t.phone().empty()) return "phone:" + t.phone();
  return absl::StrCat("ident:", ChannelName(t.channel()), ":", t.external_id());
}
}  // namespace

void ResidentLogic::Note(const v1::Resident& resident, const std::string& text,
                         const std::string& ticket, const std::string& key) {
  v1::TimelineEntry note;
  note.set_id(NewEntryId());
  *note.mutable_at() = ToTimestamp(clock_.Now());
  note.set_kind(v1::TimelineEntry::KIND_NOTE);
  note.set_actor("residents");
  note.set_text(text);
  note.set_ticket_id(ticket);
  absl::Status s = store_.AppendTimeline(resident, note, key);
  if (!s.ok() && !absl::IsAlreadyExists(s)) {
    log::Get("residents")
        ->warn("event=timeline_note_failed resident={} error=\"{}\"", resident.id(), s.message());
  }
}

absl::StatusOr<v1::CallbackTask> ResidentLogic::RequestCallback(
    const v1::RequestCallbackRequest& req) {
  v1::CallbackTask t = req.task();
  if (!t.id().empty()) return absl::InvalidArgumentError("id is assigned by Lobby");
  if (req.idempotency_key().size() > 200)
    return absl::InvalidArgumentError("idempotency_key is longer than 200 bytes");
  if (t.reason().empty() || t.reason().size() > 64)
    return absl::InvalidArgumentError("reason is required, at most 64 bytes");
  if (t.text().size() > 2000) t.set_text(t.text().substr(0, 2000));
  if (t.done() || t.has_done_at() || !t.done_by().empty() || !t.outcome().empty()) {
    return absl::InvalidArgumentError(
        "done, done_at, done_by and outcome are set when the desk completes it");
  }
  if (!t.phone().empty()) {
    LOBBY_ASSIGN_OR_RETURN(auto phone, NormalizePhone(t.phone(), config_.phone_region));
    t.set_phone(phone);
  }
  if (!t.external_id().empty()) {
    LOBBY_RETURN_IF_ERROR(ValidateIdentity(t.channel(), t.external_id()));
  }
  // Known through the chat identity: it is that resident's task.
  std::optional<Resident> resident;
  if (t.resident_id().empty() && !t.external_id().empty()) {
    auto r = store_.GetByIdentity(t.channel(), t.external_id());
    if (r.ok()) resident = *std::move(r);
  } else if (!t.resident_id().empty()) {
    LOBBY_ASSIGN_OR_RETURN(auto r, store_.Get(t.resident_id()));
    resident = std::move(r);
  }
  // Known by the number (a caller, a text): when exactly one resident of that estate has it.
  if (!resident && t.resident_id().empty() && !t.phone().empty()) {
    LOBBY_ASSIGN_OR_RETURN(auto found, store_.FindByPhone(t.phone()));
    std::vector<v1::Resident> here;
    for (auto& r : found) {
      if (t.site_id().empty() || r.unit().site_id() == t.site_id()) here.push_back(std::move(r));
    }
    if (here.size() == 1) resident = std::move(here.front());
  }
  if (resident) {
    t.set_resident_id(resident->id());  // a merged id: the survivor
    if (t.site_id().empty()) t.set_site_id(resident->unit().site_id());
    if (t.name().empty()) t.set_name(resident->name());
    if (t.phone().empty() && resident->phones_size() > 0) t.set_phone(resident->phones(0));
    if (t.language().empty()) t.set_language(resident->language());
  } else if (t.phone().empty() && t.external_id().empty()) {
    return absl::InvalidArgumentError(
        "whom to call back: resident_id, phone, or channel and external_id");
  }
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(t.site_id()));
  if (t.language().empty()) t.set_language(config_.default_language);
  if (!IsSupportedLanguage(t.language()))
    return absl::InvalidArgumentError("language is zh-Hant, zh-Hans or en");
  *t.mutable_created_at() = ToTimestamp(clock_.Now());
  t.set_requests(1);
  LOBBY_ASSIGN_OR_RETURN(auto saved, store_.SaveCallback(t, PersonOf(t), req.idempotency_key()));
  if (saved.second) {
    t.set_id(saved.first);
    log::Get("residents")
        ->info("event=callback_requested id={} site={} resident={} reason={}", t.id(), t.site_id(),
               t.resident_id(), t.reason());
    if (resident)
      Note(*resident, absl::StrCat("callback requested (", t.reason(), "): ", t.id()),
           t.ticket_id(), "callback:" + t.id());
    return t;
  }
  return store_.GetCallback(saved.first);
}

absl::StatusOr<v1::ListCallbacksResponse> ResidentLogic::ListCallbacks(
    const v1::ListCallbacksRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  if (req.page_size() < 0) return absl::InvalidArgumentError("page_size must not be negative");
  LOBBY_ASSIGN_OR_RETURN(auto tasks, store_.ListCallbacks(req.site_id(), req.include_done(),
                                                          PageSize(req.page_size())));
  v1::ListCallbacksResponse out;
  for (auto& t : tasks) *out.add_tasks() = std::move(t);
  return out;
}

absl::StatusOr<v1::CallbackTask> ResidentLogic::CompleteCallback(
    const v1::CompleteCallbackRequest& req, const auth::Principal& who) {
  const std::string& actor = who.name;
  if (req.id().empty()) return absl::InvalidArgumentError("id is required");
  std::string outcome(absl::StripAsciiWhitespace(req.outcome()));
  if (outcome.empty() || outcome.size() > 2000)
    return absl::InvalidArgumentError("outcome is required, at most 2000 bytes");
  LOBBY_ASSIGN_OR_RETURN(auto t, store_.GetCallback(req.id()));
  LOBBY_RETURN_IF_ERROR(auth::CheckEstate(who, t.site_id()));
  if (t.done())
    return absl::FailedPreconditionError(absl::StrCat(t.id(), " was completed by ", t.done_by()));
  t.set_done(true);
  *t.mutable_done_at() = ToTimestamp(clock_.Now());
  t.set_done_by(actor);
  t.set_outcome(outcome);
  LOBBY_RETURN_IF_ERROR(store_.FinishCallback(t, PersonOf(t)));
  if (!t.resident_id().empty()) {
    auto r = store_.Get(t.resident_id());
    if (r.ok())
      Note(*r, absl::StrCat("called back by ", actor, " (", t.id(), "): ", outcome), t.ticket_id(),
           "callback_done:" + t.id());
  }
  return t;
}

absl::Status ResidentLogic::HandleTicketEvent(const queue::Entry& event) {
  absl::string_view resident_id = event.Get("resident_id");
  if (resident_id.empty()) return absl::OkStatus();  // not about a known resident
  auto r = store_.Get(resident_id);
  if (absl::IsNotFound(r.status())) {
    log::Get("residents")
        ->warn("event=timeline_skip reason=unknown_resident resident={} entry={}", resident_id,
               event.id);
    return absl::OkStatus();
  }
  if (!r.ok()) return r.status();
  v1::TimelineEntry e;
  e.set_id(NewEntryId());
  int64_t at_ms = 0;
  *e.mutable_at() = absl::SimpleAtoi(event.Get("at"), &at_ms) && at_ms > 0
                        ? ToTimestamp(absl::FromUnixMillis(at_ms))
                        : ToTimestamp(clock_.Now());
  e.set_kind(v1::TimelineEntry::KIND_TICKET_EVENT);
  e.set_ticket_id(std::string(event.Get("ticket_id")));
  e.set_actor(std::string(event.Get("actor")));
  std::string text(event.Get("type"));
  if (!event.Get("note").empty()) absl::StrAppend(&text, ": ", event.Get("note"));
  e.set_text(text);
  (*e.mutable_attributes())["event_id"] = event.id;
  if (event.Get("kind") == "complaint")
    (*e.mutable_attributes())[kComplaintAnonymous] = event.Get("anonymous") == "1" ? "1" : "0";
  absl::Status s = store_.AppendTimeline(*r, e, absl::StrCat("ev:", event.id));
  return absl::IsAlreadyExists(s) ? absl::OkStatus() : s;
}

}  // namespace lobby::residents
