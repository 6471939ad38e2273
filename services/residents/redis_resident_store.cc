#include "services/residents/redis_resident_store.h"

#include <openssl/crypto.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/proto_util.h"
#include "services/common/redis_txn.h"
#include "services/common/status_macros.h"

namespace lobby::residents {
namespace {

using v1::Resident;

constexpr char kDir[] = "lobby:residents:dir";
constexpr char kIdent[] = "lobby:residents:ident";
constexpr char kSeq[] = "lobby:residents:seq";
constexpr char kSep = '\x1f';

std::string SiteKey(absl::string_view site, absl::string_view suffix) {
  return absl::StrCat("lobby:residents:{", site, "}:", suffix);
}
std::string RecordKey(absl::string_view site, absl::string_view id) {
  return SiteKey(site, absl::StrCat("r:", id));
}
std::string TimelineKey(absl::string_view site, absl::string_view id) {
  return SiteKey(site, absl::StrCat("tl:", id));
}
std::string ComplaintsKey(absl::string_view site, absl::string_view id) {
  return SiteKey(site, absl::StrCat("complaints:", id));
}
std::string PhoneKey(absl::string_view e164) {
  return absl::StrCat("lobby:residents:phone:", e164);
}
std::string VerifyKey(absl::string_view id) { return absl::StrCat("lobby:residents:verify:", id); }

std::string IdentField(v1::Channel c, absl::string_view external_id) {
  return absl::StrCat(ChannelName(c), ":", external_id);
}

// Numbers sort as numbers in the unit index: "2" < "10".
std::string Pad(absl::string_view part) {
  bool digits = !part.empty() && part.size() < 8;
  for (char c : part) digits &= absl::ascii_isdigit(static_cast<unsigned char>(c));
  return digits ? std::string(8 - part.size(), '0') + std::string(part) : std::string(part);
}

std::string UnitPrefix(const v1::Unit& u, int depth) {
  std::string p;
  if (depth >= 1) absl::StrAppend(&p, Pad(u.building()), std::string(1, kSep));
  if (depth >= 2) absl::StrAppend(&p, Pad(u.floor()), std::string(1, kSep));
  if (depth >= 3) absl::StrAppend(&p, Pad(u.room()), std::string(1, kSep));
  return p;
}
std::string UnitMember(const Resident& r) { return UnitPrefix(r.unit(), 3) + r.id(); }
std::string PhoneUnitField(absl::string_view phone, const v1::Unit& u) {
  return absl::StrCat(phone, "|", u.building(), "|", u.floor(), "|", u.room());
}

struct Indexes {
  std::set<std::string> phone_unit, phones, idents;
};
Indexes IndexesOf(const Resident& r) {
  Indexes ix;
  for (const std::string& p : r.phones()) {
    ix.phone_unit.insert(PhoneUnitField(p, r.unit()));
    ix.phones.insert(p);
  }
  for (const auto& i : r.identities()) ix.idents.insert(IdentField(i.channel(), i.external_id()));
  return ix;
}

// Writes `after` and moves every index entry that differs from `before` (null: a new record).
// New unique entries must be free or owned by one of `owners` (comma separated).
void AddRecordOps(redis::Txn& txn, const Resident* before, const Resident& after,
                  const std::string& owners) {
  const std::string& site = after.unit().site_id();
  const std::string& id = after.id();
  Indexes old_ix = before ? IndexesOf(*before) : Indexes{};
  Indexes new_ix = IndexesOf(after);
  std::string units = SiteKey(site, "units"), phone_unit = SiteKey(site, "phone_unit");
  for (const auto& f : new_ix.phone_unit) {
    if (!old_ix.phone_unit.count(f)) {
      txn.RequireFieldFreeOr(
          phone_unit, f, owners,
          "this phone number is already registered at this unit for resident {}");
    }
  }
  for (const auto& f : new_ix.idents) {
    if (!old_ix.idents.count(f)) {
      txn.RequireFieldFreeOr(kIdent, f, owners, "this identity is already linked to resident {}");
    }
  }
  std::string key = RecordKey(site, id);
  txn.RequireVersion(key, before ? before->version() : 0,
                     before ? "the resident was changed by someone else; read it again"
                            : "resident id already in use");
  txn.Write({"HSET", key, "pb", after.SerializeAsString(), "v", std::to_string(after.version())});
  if (!before || UnitMember(*before) != UnitMember(after)) {
    if (before) txn.Write({"ZREM", units, UnitMember(*before)});
    txn.Write({"ZADD", units, "0", UnitMember(after)});
  }
  for (const auto& f : old_ix.phone_unit) {
    if (!new_ix.phone_unit.count(f)) txn.Write({"HDEL", phone_unit, f});
  }
  for (const auto& f : new_ix.phone_unit) {
    if (!old_ix.phone_unit.count(f)) txn.Write({"HSET", phone_unit, f, id});
  }
  for (const auto& p : old_ix.phones) {
    if (!new_ix.phones.count(p)) txn.Write({"SREM", PhoneKey(p), id});
  }
  for (const auto& p : new_ix.phones) {
    if (!old_ix.phones.count(p)) txn.Write({"SADD", PhoneKey(p), id});
  }
  for (const auto& f : old_ix.idents) {
    if (!new_ix.idents.count(f)) txn.Write({"HDEL", kIdent, f});
  }
  for (const auto& f : new_ix.idents) {
    if (!old_ix.idents.count(f)) txn.Write({"HSET", kIdent, f, id});
  }
  if (!before) txn.Write({"HSET", kDir, id, site});
}

// KEYS: dir, ident. ARGV: id, or '' and an identity field to look the id up by.
const redis::Script& GetScript() {
  static const redis::Script* s = new redis::Script(R"lua(
local id = ARGV[1]
if id == '' then
  id = redis.call('HGET', KEYS[2], ARGV[2])
  if not id then return redis.error_reply('LOBBY:NOT_FOUND:no resident is linked to this identity') end
end
for hop = 1, 4 do
  local site = redis.call('HGET', KEYS[1], id)
  if not site then return redis.error_reply('LOBBY:NOT_FOUND:no resident ' .. ARGV[1]) end
  local rec = redis.call('HMGET', 'lobby:residents:{' .. site .. '}:r:' .. id, 'pb', 'merged_into')
  if not rec[1] then return redis.error_reply('LOBBY:NOT_FOUND:no resident ' .. ARGV[1]) end
  if not rec[2] then return rec[1] end
  id = rec[2]
end
return redis.error_reply('LOBBY:NOT_FOUND:merge chain too long for ' .. ARGV[1])
)lua");
  return *s;
}

absl::StatusOr<Resident> ParseResident(const redis::Reply& r) {
  LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(r));
  Resident out;
  if (r.type != redis::Reply::Type::kString || !out.ParseFromString(r.str)) {
    return absl::DataLossError("stored resident record is unreadable");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> RedisResidentStore::ReserveId(const Resident& resident) {
  redis::Txn txn;
  Indexes ix = IndexesOf(resident);
  for (const auto& f : ix.phone_unit) {
    txn.RequireFieldFreeOr(SiteKey(resident.unit().site_id(), "phone_unit"), f, "",
                           "this phone number is already registered at this unit for resident {}");
  }
  for (const auto& f : ix.idents) {
    txn.RequireFieldFreeOr(kIdent, f, "", "this identity is already linked to resident {}");
  }
  txn.Write({"INCR", kSeq});
  LOBBY_ASSIGN_OR_RETURN(auto r, txn.Run(redis_));
  return absl::StrCat("RS-", 10000 + r[0].integer);
}

absl::Status RedisResidentStore::Insert(const Resident& resident) {
  redis::Txn txn;
  AddRecordOps(txn, nullptr, resident, resident.id());
  return txn.Run(redis_).status();
}

absl::StatusOr<Resident> RedisResidentStore::Get(absl::string_view id) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Eval(GetScript(), {kDir, kIdent}, {std::string(id), ""}));
  return ParseResident(r);
}

absl::StatusOr<Resident> RedisResidentStore::GetByIdentity(v1::Channel channel,
                                                           absl::string_view external_id) {
  LOBBY_ASSIGN_OR_RETURN(
      auto r, redis_.Eval(GetScript(), {kDir, kIdent}, {"", IdentField(channel, external_id)}));
  return ParseResident(r);
}

absl::StatusOr<std::vector<Resident>> RedisResidentStore::GetMany(
    const std::vector<std::string>& ids) {
  std::vector<std::pair<redis::Args, redis::Args>> calls;
  for (const auto& id : ids) calls.push_back({{kDir, kIdent}, {id, ""}});
  LOBBY_ASSIGN_OR_RETURN(auto replies, redis_.EvalMany(GetScript(), calls));
  std::vector<Resident> out;
  std::set<std::string> seen;
  for (const redis::Reply& r : replies) {
    auto res = ParseResident(r);
    if (absl::IsNotFound(res.status())) continue;  // removed between index and record read
    if (!res.ok()) return res.status();
    if (seen.insert(res->id()).second) out.push_back(*std::move(res));
  }
  return out;
}

absl::Status RedisResidentStore::Replace(const Resident& before, const Resident& after) {
  redis::Txn txn;
  AddRecordOps(txn, &before, after, after.id());
  return txn.Run(redis_).status();
}

absl::Status RedisResidentStore::Merge(const Resident& survivor_before,
                                       const Resident& survivor_after, const Resident& merged) {
  const std::string& site = merged.unit().site_id();
  redis::Txn txn;
  // The merged resident's unique entries may pass to the survivor.
  AddRecordOps(txn, &survivor_before, survivor_after,
               absl::StrCat(survivor_after.id(), ",", merged.id()));
  std::string key = RecordKey(site, merged.id());
  txn.RequireVersion(key, merged.version(), "the merged resident was changed; read it again");
  txn.Write(
      {"HSET", key, "merged_into", survivor_after.id(), "v", std::to_string(merged.version() + 1)});
  txn.Write({"ZREM", SiteKey(site, "units"), UnitMember(merged)});
  Indexes ix = IndexesOf(merged), keep = IndexesOf(survivor_after);
  for (const auto& f : ix.phone_unit) {
    if (!keep.phone_unit.count(f)) txn.Write({"HDEL", SiteKey(site, "phone_unit"), f});
  }
  for (const auto& p : ix.phones) txn.Write({"SREM", PhoneKey(p), merged.id()});
  std::string tl = TimelineKey(site, survivor_after.id());
  txn.Write({"ZUNIONSTORE", tl, "2", tl, TimelineKey(site, merged.id())}, {1, 3, 4});
  return txn.Run(redis_).status();
}

absl::StatusOr<ResidentPage> RedisResidentStore::List(const ResidentQuery& q) {
  v1::Unit u;
  u.set_building(q.building);
  u.set_floor(q.floor);
  u.set_room(q.room);
  int depth = q.building.empty() ? 0 : q.floor.empty() ? 1 : q.room.empty() ? 2 : 3;
  std::string prefix = UnitPrefix(u, depth);
  std::string min = prefix.empty() ? "-" : "[" + prefix;
  std::string max = prefix.empty() ? "+" : "[" + prefix + "\xff";
  if (!q.page_token.empty()) {
    std::string last;
    if (!absl::WebSafeBase64Unescape(q.page_token, &last) ||
        last.compare(0, prefix.size(), prefix) != 0) {
      return absl::InvalidArgumentError("bad page_token (it belongs to another query)");
    }
    min = "(" + last;
  }
  LOBBY_ASSIGN_OR_RETURN(
      auto r, redis_.Command({"ZRANGEBYLEX", SiteKey(q.site_id, "units"), min, max, "LIMIT", "0",
                              std::to_string(q.page_size + 1)}));
  ResidentPage page;
  std::vector<redis::Args> cmds;
  size_t n = std::min<size_t>(r.elements.size(), static_cast<size_t>(q.page_size));
  for (size_t i = 0; i < n; ++i) {
    const std::string& m = r.elements[i].str;
    cmds.push_back({"HGET", RecordKey(q.site_id, m.substr(m.rfind(kSep) + 1)), "pb"});
  }
  if (r.elements.size() > n)
    page.next_page_token = absl::WebSafeBase64Escape(r.elements[n - 1].str);
  if (cmds.empty()) return page;
  LOBBY_ASSIGN_OR_RETURN(auto recs, redis_.Run(std::move(cmds)));
  for (const redis::Reply& rec : recs) {
    if (rec.IsNil()) continue;
    LOBBY_ASSIGN_OR_RETURN(auto res, ParseResident(rec));
    page.residents.push_back(std::move(res));
  }
  return page;
}

absl::StatusOr<std::vector<Resident>> RedisResidentStore::FindByPhone(absl::string_view e164) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"SMEMBERS", PhoneKey(e164)}));
  std::vector<std::string> ids;
  for (const auto& e : r.elements) ids.push_back(e.str);
  std::sort(ids.begin(), ids.end());
  return GetMany(ids);
}

absl::StatusOr<std::optional<std::string>> RedisResidentStore::FindByPhoneUnit(
    absl::string_view e164, const v1::Unit& unit) {
  auto r =
      redis_.Command({"HGET", SiteKey(unit.site_id(), "phone_unit"), PhoneUnitField(e164, unit)});
  if (!r.ok()) return r.status();
  if (r->IsNil()) return std::nullopt;
  return r->str;
}

absl::StatusOr<std::optional<std::string>> RedisResidentStore::FindIdentity(
    v1::Channel channel, absl::string_view external_id) {
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Command({"HGET", kIdent, IdentField(channel, external_id)}));
  if (r.IsNil()) return std::nullopt;
  return r.str;
}

absl::Status RedisResidentStore::AppendTimeline(const Resident& resident,
                                                const v1::TimelineEntry& entry,
                                                absl::string_view idempotency_key) {
  return AppendTimelineWith(resident, entry, idempotency_key, {});
}

absl::Status RedisResidentStore::AppendTimelineWith(const Resident& resident,
                                                    const v1::TimelineEntry& entry,
                                                    absl::string_view idempotency_key,
                                                    const std::vector<redis::Args>& also) {
  redis::Txn txn;
  if (!idempotency_key.empty()) {
    std::string k = absl::StrCat("lobby:residents:tl_idem:", idempotency_key);
    txn.RequireAbsent(k, "this timeline entry was recorded before");
    txn.Write({"SET", k, entry.id(), "EX", std::to_string(30 * 24 * 3600)});
  }
  txn.Write({"ZADD", TimelineKey(resident.unit().site_id(), resident.id()), "0",
             absl::StrCat(entry.id(), std::string(1, kSep), entry.SerializeAsString())});
  if (auto a = entry.attributes().find(kComplaintAnonymous);
      a != entry.attributes().end() && !entry.ticket_id().empty()) {
    txn.Write({"HSET", ComplaintsKey(resident.unit().site_id(), resident.id()), entry.ticket_id(),
               a->second == "1" ? "1" : "0"});
  }
  for (const redis::Args& a : also) txn.Write(a);
  return txn.Run(redis_).status();
}

absl::StatusOr<TimelinePage> RedisResidentStore::ListTimeline(const Resident& resident,
                                                              int page_size,
                                                              absl::string_view page_token) {
  std::string max = page_token.empty() ? "+" : absl::StrCat("(", page_token);
  LOBBY_ASSIGN_OR_RETURN(
      auto both,
      redis_.Run({{"ZREVRANGEBYLEX", TimelineKey(resident.unit().site_id(), resident.id()), max,
                   "-", "LIMIT", "0", std::to_string(page_size + 1)},
                  {"HGETALL", ComplaintsKey(resident.unit().site_id(), resident.id())}}));
  for (const redis::Reply& reply : both) {
    LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(reply));
  }
  const redis::Reply* r = &both[0];
  TimelinePage page;
  const redis::Reply& complaints = both[1];
  for (size_t i = 0; i + 1 < complaints.elements.size(); i += 2) {
    page.complaints_anonymous[complaints.elements[i].str] = complaints.elements[i + 1].str == "1";
  }
  for (size_t i = 0; i < r->elements.size() && i < static_cast<size_t>(page_size); ++i) {
    const std::string& m = r->elements[i].str;
    size_t sep = m.find(kSep);
    v1::TimelineEntry e;
    if (sep == std::string::npos ||
        !e.ParseFromArray(m.data() + sep + 1, static_cast<int>(m.size() - sep - 1))) {
      return absl::DataLossError("stored timeline entry is unreadable");
    }
    page.entries.push_back(std::move(e));
  }
  if (r->elements.size() > static_cast<size_t>(page_size)) {
    page.next_page_token = page.entries.back().id();
  }
  return page;
}

std::string RedisResidentStore::SeenKey(absl::string_view site, absl::string_view resident_id) {
  return SiteKey(site, absl::StrCat("seen:", resident_id));
}

absl::Status RedisResidentStore::MarkSeen(const v1::Resident& resident, absl::Time at) {
  return redis_
      .Command({"SET", SeenKey(resident.unit().site_id(), resident.id()),
                std::to_string(absl::ToUnixMillis(at)), "EX", std::to_string(7 * 24 * 3600)})
      .status();
}

constexpr char kStaffIdent[] = "lobby:residents:staff_ident";

absl::StatusOr<std::optional<v1::StaffIdentity>> RedisResidentStore::FindStaff(
    v1::Channel channel, absl::string_view external_id) {
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Command({"HGET", kStaffIdent, IdentField(channel, external_id)}));
  if (r.IsNil()) return std::nullopt;
  v1::StaffIdentity staff;
  if (!staff.ParseFromString(r.str)) return absl::DataLossError("unreadable staff identity");
  return staff;
}

absl::Status RedisResidentStore::LinkStaff(const v1::StaffIdentity& staff) {
  return redis_
      .Command({"HSET", kStaffIdent, IdentField(staff.channel(), staff.external_id()),
                staff.SerializeAsString()})
      .status();
}

absl::Status RedisResidentStore::UnlinkStaff(v1::Channel channel, absl::string_view external_id) {
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Command({"HDEL", kStaffIdent, IdentField(channel, external_id)}));
  if (r.integer == 0) return absl::NotFoundError("that identity is not linked to anyone");
  return absl::OkStatus();
}

absl::Status RedisResidentStore::SaveVerification(const Verification& v, absl::string_view stream,
                                                  const queue::Fields& message) {
  redis::Txn txn;
  std::string key = VerifyKey(v.id);
  txn.RequireAbsent(key, "verification id collision");
  txn.Write({"HSET",        key,
             "resident_id", v.resident_id,
             "member",      v.member,
             "member_name", v.member_name,
             "site_id",     v.site_id,
             "channel",     std::to_string(v.channel),
             "external_id", v.external_id,
             "phone",       v.phone,
             "code_hash",   v.code_hash,
             "attempts",    "0",
             "expires_at",  std::to_string(absl::ToUnixMillis(v.expires_at))});
  // Redis expires it on its own clock; the logic also checks expires_at on the injected clock.
  int64_t ttl_ms = std::max<int64_t>(1000, absl::ToInt64Milliseconds(v.expires_at - clock_.Now()));
  txn.Write({"PEXPIRE", key, std::to_string(ttl_ms)});
  txn.Write(queue::XAddArgs(stream, message));
  return txn.Run(redis_).status();
}

absl::StatusOr<Verification> RedisResidentStore::GetVerification(absl::string_view id) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HGETALL", VerifyKey(id)}));
  if (r.elements.empty()) return absl::NotFoundError("unknown or expired verification");
  Verification v;
  v.id = std::string(id);
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& k = r.elements[i].str;
    const std::string& val = r.elements[i + 1].str;
    int64_t n = 0;
    if (k == "resident_id")
      v.resident_id = val;
    else if (k == "member")
      v.member = val;
    else if (k == "member_name")
      v.member_name = val;
    else if (k == "site_id")
      v.site_id = val;
    else if (k == "external_id")
      v.external_id = val;
    else if (k == "phone")
      v.phone = val;
    else if (k == "code_hash")
      v.code_hash = val;
    else if (k == "channel" && absl::SimpleAtoi(val, &n))
      v.channel = static_cast<v1::Channel>(n);
    else if (k == "attempts" && absl::SimpleAtoi(val, &n))
      v.attempts = n;
    else if (k == "expires_at" && absl::SimpleAtoi(val, &n))
      v.expires_at = absl::FromUnixMillis(n);
  }
  return v;
}

absl::StatusOr<int64_t> RedisResidentStore::CountAttempt(absl::string_view id) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HINCRBY", VerifyKey(id), "attempts", "1"}));
  return r.integer;
}

absl::Status RedisResidentStore::DeleteVerification(absl::string_view id) {
  return redis_.Command({"DEL", VerifyKey(id)}).status();
}

absl::StatusOr<int64_t> RedisResidentStore::CountInWindow(absl::string_view key,
                                                          absl::Duration window) {
  std::string k = absl::StrCat("lobby:residents:rate:", key);
  LOBBY_ASSIGN_OR_RETURN(
      auto r,
      redis_.Transaction(
          {{"INCR", k}, {"PEXPIRE", k, std::to_string(absl::ToInt64Milliseconds(window)), "NX"}}));
  return r[0].integer;
}

// ------------------------------------------------------------------ callback tasks

namespace {

constexpr int64_t kCallbackKeepSeconds = 30 * 24 * 3600;

std::string CallbackKey(absl::string_view site, absl::string_view id) {
  return SiteKey(site, absl::StrCat("cb:", id));
}
std::string PersonKey(absl::string_view site, absl::string_view person) {
  return absl::StrCat("lobby:residents:cb_person:", site, ":", person);
}

// KEYS: idempotency key, person key, open zset, dir, sequence.
// ARGV: pb (without its id: the id is the key), created (ms), site, "1" when there is an
// idempotency key. Returns {id, 1} for a new task, {id, 0} for the one it repeats.
const redis::Script& SaveCallbackScript() {
  static const redis::Script* s = new redis::Script(R"lua(
if ARGV[4] == '1' then
  local prev = redis.call('GET', KEYS[1])
  if prev then return {prev, 0} end
end
local open = redis.call('GET', KEYS[2])
if open then
  local k = 'lobby:residents:{' .. ARGV[3] .. '}:cb:' .. open
  if redis.call('EXISTS', k) == 1 then
    redis.call('HINCRBY', k, 'n', 1)
    if ARGV[4] == '1' then redis.call('SET', KEYS[1], open, 'EX', 2592000) end
    return {open, 0}
  end
end
local id = 'CB-' .. (10000 + redis.call('INCR', KEYS[5]))
redis.call('HSET', 'lobby:residents:{' .. ARGV[3] .. '}:cb:' .. id, 'pb', ARGV[1], 'n', 1)
redis.call('ZADD', KEYS[3], ARGV[2], id)
redis.call('SET', KEYS[2], id)
redis.call('HSET', KEYS[4], id, ARGV[3])
if ARGV[4] == '1' then redis.call('SET', KEYS[1], id, 'EX', 2592000) end
return {id, 1}
)lua");
  return *s;
}

// KEYS: task key, open zset, done zset, person key. ARGV: id, pb, done (ms), keep (s).
const redis::Script& FinishCallbackScript() {
  static const redis::Script* s = new redis::Script(R"lua(
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then
  return redis.error_reply('LOBBY:FAILED_PRECONDITION:this callback is done already')
end
redis.call('HSET', KEYS[1], 'pb', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[3]) - 1000 * tonumber(ARGV[4]))
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
return 1
)lua");
  return *s;
}

absl::StatusOr<v1::CallbackTask> ParseCallback(absl::string_view id, const redis::Reply& r) {
  LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(r));
  if (r.elements.size() != 2 || r.elements[0].IsNil())
    return absl::NotFoundError("no such callback task");
  v1::CallbackTask t;
  if (!t.ParseFromString(r.elements[0].str))
    return absl::DataLossError("stored callback task is unreadable");
  t.set_id(std::string(id));
  int64_t n = 1;
  if (absl::SimpleAtoi(r.elements[1].str, &n)) t.set_requests(static_cast<int32_t>(n));
  return t;
}

std::string WithoutId(v1::CallbackTask t) {
  t.clear_id();
  return t.SerializeAsString();
}

}  // namespace

absl::StatusOr<std::pair<std::string, bool>> RedisResidentStore::SaveCallback(
    const v1::CallbackTask& task, absl::string_view person, absl::string_view idempotency_key) {
  const std::string& site = task.site_id();
  LOBBY_ASSIGN_OR_RETURN(
      auto r,
      redis_.Eval(
          SaveCallbackScript(),
          {absl::StrCat("lobby:residents:cb_idem:", idempotency_key), PersonKey(site, person),
           SiteKey(site, "cb_open"), kDir, "lobby:residents:cb_seq"},
          {WithoutId(task), std::to_string(absl::ToUnixMillis(FromTimestamp(task.created_at()))),
           site, idempotency_key.empty() ? "0" : "1"}));
  if (r.elements.size() != 2) return absl::InternalError("unexpected reply saving a callback task");
  return std::make_pair(r.elements[0].str, r.elements[1].integer == 1);
}

absl::StatusOr<v1::CallbackTask> RedisResidentStore::GetCallback(absl::string_view id) {
  LOBBY_ASSIGN_OR_RETURN(auto site, redis_.Command({"HGET", kDir, std::string(id)}));
  if (site.IsNil()) return absl::NotFoundError(absl::StrCat("no callback task ", id));
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HMGET", CallbackKey(site.str, id), "pb", "n"}));
  return ParseCallback(id, r);
}

absl::StatusOr<std::vector<v1::CallbackTask>> RedisResidentStore::ListCallbacks(
    absl::string_view site, bool include_done, int limit) {
  std::string last = std::to_string(limit - 1);
  std::vector<redis::Args> index = {{"ZRANGE", SiteKey(site, "cb_open"), "0", last}};
  if (include_done) index.push_back({"ZREVRANGE", SiteKey(site, "cb_done"), "0", last});
  LOBBY_ASSIGN_OR_RETURN(auto ids, redis_.Run(index));
  std::vector<redis::Args> reads;
  std::vector<std::string> read_ids;
  for (const auto& list : ids) {
    LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(list));
    for (const auto& id : list.elements) {
      if (static_cast<int>(reads.size()) >= limit) break;
      reads.push_back({"HMGET", CallbackKey(site, id.str), "pb", "n"});
      read_ids.push_back(id.str);
    }
  }
  std::vector<v1::CallbackTask> out;
  if (reads.empty()) return out;
  LOBBY_ASSIGN_OR_RETURN(auto records, redis_.Run(reads));
  for (size_t i = 0; i < records.size(); ++i) {
    auto t = ParseCallback(read_ids[i], records[i]);
    if (absl::IsNotFound(t.status())) continue;  // expired between the index and the read
    if (!t.ok()) return t.status();
    out.push_back(*std::move(t));
  }
  return out;
}

absl::Status RedisResidentStore::FinishCallback(const v1::CallbackTask& done,
                                                absl::string_view person) {
  const std::string& site = done.site_id();
  return redis_
      .Eval(FinishCallbackScript(),
            {CallbackKey(site, done.id()), SiteKey(site, "cb_open"), SiteKey(site, "cb_done"),
             PersonKey(site, person)},
            {done.id(), WithoutId(done),
             std::to_string(absl::ToUnixMillis(FromTimestamp(done.done_at()))),
             std::to_string(kCallbackKeepSeconds)})
      .status();
}

}  // namespace lobby::residents
