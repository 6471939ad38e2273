#include "services/residents/redis_notify_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/redis_txn.h"
#include "services/common/status_macros.h"

namespace lobby::residents {
namespace {

constexpr char kSites[] = "lobby:notify:sites";
constexpr int64_t kSeenSeconds = 7 * 24 * 3600;

std::string HeldKey(absl::string_view site, absl::string_view resident) {
  return absl::StrCat("lobby:notify:{", site, "}:held:", resident);
}
std::string TemplatesKey(absl::string_view site) {
  return absl::StrCat("lobby:notify:{", site, "}:templates");
}
std::string DueKey(absl::string_view site) { return absl::StrCat("lobby:notify:{", site, "}:due"); }
std::string UnreadKey(absl::string_view site) {
  return absl::StrCat("lobby:notify:{", site, "}:unread");
}
std::string UnreadSentKey(absl::string_view site) {
  return absl::StrCat("lobby:notify:{", site, "}:unread_sent");
}
std::string UnreadMember(absl::string_view resident, absl::string_view ticket) {
  return absl::StrCat(resident, "|", ticket);
}

}  // namespace

absl::StatusOr<v1::Resident> RedisNotifyStore::Resident(absl::string_view id) {
  return residents_.Get(id);
}

absl::Status RedisNotifyStore::Hold(const std::string& site, const std::string& resident_id,
                                    const std::string& entry_id, const Notice& notice,
                                    absl::Time due) {
  std::string seen = "lobby:notify:seen:" + entry_id;
  redis::Txn txn;
  txn.RequireAbsent(seen, "this ticket event was told before");
  txn.Write({"SET", seen, "1", "EX", std::to_string(kSeenSeconds)});
  txn.Write({"HSET", HeldKey(site, resident_id), entry_id, queue::PackFields(notice.ToFields())});
  // LT: an earlier due stands, and an urgent notice brings the ones held with it forward.
  txn.Write({"ZADD", DueKey(site), "LT", std::to_string(absl::ToUnixMillis(due)), resident_id});
  txn.Write({"SADD", kSites, site});
  return txn.Run(redis_).status();
}

absl::StatusOr<std::vector<std::string>> RedisNotifyStore::Sites() {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"SMEMBERS", kSites}));
  std::vector<std::string> out;
  for (auto& e : r.elements) out.push_back(std::move(e.str));
  return out;
}

absl::StatusOr<std::vector<std::string>> RedisNotifyStore::ClaimDue(const std::string& site,
                                                                    absl::Time now,
                                                                    absl::Time lease_until,
                                                                    int limit) {
  return redis::ClaimDue(redis_, DueKey(site), now, lease_until, limit);
}

absl::StatusOr<std::vector<NotifyStore::Held>> RedisNotifyStore::HeldFor(
    const std::string& site, const std::string& resident_id) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HGETALL", HeldKey(site, resident_id)}));
  std::vector<Held> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out.push_back(
        {r.elements[i].str, Notice::FromEntry({"", queue::UnpackFields(r.elements[i + 1].str)})});
  // Stream entry ids ("ms-seq") in the order the events happened.
  auto order = [](const std::string& id) {
    std::pair<int64_t, int64_t> at{0, 0};
    std::pair<std::string, std::string> p = absl::StrSplit(id, absl::MaxSplits('-', 1));
    (void)absl::SimpleAtoi(p.first, &at.first);
    (void)absl::SimpleAtoi(p.second, &at.second);
    return at;
  };
  std::sort(out.begin(), out.end(),
            [&](const Held& a, const Held& b) { return order(a.entry_id) < order(b.entry_id); });
  return out;
}

absl::Status RedisNotifyStore::Tell(const v1::Resident& resident, const v1::TimelineEntry& entry,
                                    const std::string& key, const std::string& stream,
                                    const queue::Fields& message,
                                    const std::vector<std::string>& told) {
  std::vector<redis::Args> also;
  if (!stream.empty()) also.push_back(queue::XAddArgs(stream, message));
  if (!told.empty()) {
    redis::Args hdel = {"HDEL", HeldKey(resident.unit().site_id(), resident.id())};
    hdel.insert(hdel.end(), told.begin(), told.end());
    also.push_back(std::move(hdel));
  }
  return residents_.AppendTimelineWith(resident, entry, key, also);
}

absl::Status RedisNotifyStore::Forget(const std::string& site, const std::string& resident_id,
                                      const std::vector<std::string>& entry_ids) {
  static const redis::Script* script = new redis::Script(R"lua(
for i = 1, #ARGV - 1 do redis.call('HDEL', KEYS[1], ARGV[i]) end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[#ARGV]) end
return 0
)lua");
  redis::Args args(entry_ids.begin(), entry_ids.end());
  args.push_back(resident_id);
  return redis_.Eval(*script, {HeldKey(site, resident_id), DueKey(site)}, args).status();
}

absl::Status RedisNotifyStore::WatchUnread(const std::string& site, const std::string& resident_id,
                                           const std::string& ticket_id, absl::Time sent_at,
                                           absl::Time due) {
  std::string member = UnreadMember(resident_id, ticket_id);
  redis::Txn txn;  // NX: the first notice still unread stands
  txn.Write({"HSETNX", UnreadSentKey(site), member, std::to_string(absl::ToUnixMillis(sent_at))});
  txn.Write({"ZADD", UnreadKey(site), "NX", std::to_string(absl::ToUnixMillis(due)), member});
  txn.Write({"SADD", kSites, site});
  return txn.Run(redis_).status();
}

absl::StatusOr<std::vector<NotifyStore::Unread>> RedisNotifyStore::ClaimUnread(
    const std::string& site, absl::Time now, absl::Time lease_until, int limit) {
  LOBBY_ASSIGN_OR_RETURN(auto members,
                         redis::ClaimDue(redis_, UnreadKey(site), now, lease_until, limit));
  if (members.empty()) return std::vector<Unread>{};
  redis::Args hmget = {"HMGET", UnreadSentKey(site)};
  hmget.insert(hmget.end(), members.begin(), members.end());
  LOBBY_ASSIGN_OR_RETURN(auto sent, redis_.Command(hmget));
  std::vector<Unread> out;
  for (size_t i = 0; i < members.size(); ++i) {
    std::pair<std::string, std::string> p = absl::StrSplit(members[i], absl::MaxSplits('|', 1));
    int64_t ms = 0;
    if (i < sent.elements.size()) (void)absl::SimpleAtoi(sent.elements[i].str, &ms);
    out.push_back({std::move(p.first), std::move(p.second), absl::FromUnixMillis(ms)});
  }
  return out;
}

absl::Status RedisNotifyStore::EndUnread(const std::string& site, const Unread& w) {
  std::string member = UnreadMember(w.resident_id, w.ticket_id);
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run({{"ZREM", UnreadKey(site), member},
                                             {"HDEL", UnreadSentKey(site), member}}));
  for (const auto& reply : r) LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(reply));
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> RedisNotifyStore::SeenAt(const std::string& site,
                                                    const std::string& resident_id) {
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Command({"GET", RedisResidentStore::SeenKey(site, resident_id)}));
  int64_t ms = 0;
  if (r.IsNil() || !absl::SimpleAtoi(r.str, &ms)) return absl::InfinitePast();
  return absl::FromUnixMillis(ms);
}

absl::StatusOr<std::optional<v1::NoticeTemplates>> RedisNotifyStore::LoadTemplates(
    const std::string& site) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"GET", TemplatesKey(site)}));
  if (r.IsNil()) return std::nullopt;
  v1::NoticeTemplates t;
  if (!t.ParseFromString(r.str)) return absl::DataLossError(TemplatesKey(site) + " is unreadable");
  return t;
}

absl::Status RedisNotifyStore::SaveTemplates(const v1::NoticeTemplates& t) {
  return redis_.Command({"SET", TemplatesKey(t.site_id()), t.SerializeAsString()}).status();
}

}  // namespace lobby::residents
