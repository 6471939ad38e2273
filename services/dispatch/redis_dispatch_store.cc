#include "services/dispatch/redis_dispatch_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/redis_txn.h"
#include "services/common/status_macros.h"

namespace lobby::dispatch {

std::string RedisDispatchStore::Key(absl::string_view site, absl::string_view suffix) const {
  return absl::StrCat("lobby:dispatch:{", site, "}:", suffix);
}

absl::StatusOr<std::optional<v1::Estate>> RedisDispatchStore::GetEstate(absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"GET", Key(site, "estate")}));
  if (r.IsNil()) return std::nullopt;
  v1::Estate e;
  if (!e.ParseFromString(r.str)) return absl::DataLossError("stored estate is unreadable");
  return e;
}

absl::Status RedisDispatchStore::SetDuty(absl::string_view site, const DutyDay& day,
                                         const std::vector<DutyDay>& forget) {
  // One hash per site: "date|member" -> "1" (on) or "0" (off).
  std::vector<redis::Args> ops = {
      {"HSET", Key(site, "duty"), absl::StrCat(day.date, "|", day.member), day.on ? "1" : "0"}};
  for (const DutyDay& d : forget)
    ops.push_back({"HDEL", Key(site, "duty"), absl::StrCat(d.date, "|", d.member)});
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run(ops));
  for (const auto& reply : r) LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(reply));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DutyDay>> RedisDispatchStore::Duties(absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HGETALL", Key(site, "duty")}));
  std::vector<DutyDay> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& field = r.elements[i].str;
    size_t bar = field.find('|');
    if (bar == std::string::npos) continue;
    out.push_back({field.substr(bar + 1), field.substr(0, bar), r.elements[i + 1].str == "1"});
  }
  return out;
}

absl::Status RedisDispatchStore::PutEstate(const v1::Estate& estate) {
  LOBBY_ASSIGN_OR_RETURN(
      auto r, redis_.Run({{"SET", Key(estate.site_id(), "estate"), estate.SerializeAsString()},
                          {"SADD", "lobby:dispatch:sites", estate.site_id()}}));
  for (const auto& reply : r) {
    LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(reply));
  }
  return absl::OkStatus();
}

absl::Status RedisDispatchStore::Track(absl::string_view site, absl::string_view ticket,
                                       int64_t version, const std::optional<v1::BoardTicket>& entry,
                                       absl::Time next) {
  // One script, so that a slower process holding an older view of the ticket cannot overwrite
  // a newer one (and lose a timer).
  static const redis::Script* script = new redis::Script(R"lua(
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and tonumber(v) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '' then redis.call('HDEL', KEYS[2], ARGV[1]) else redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) end
if ARGV[4] == '' then redis.call('ZREM', KEYS[3], ARGV[1]) else redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1]) end
return 1
)lua");
  std::string due = next == absl::InfiniteFuture() ? "" : std::to_string(absl::ToUnixMillis(next));
  return redis_
      .Eval(*script, {Key(site, "version"), Key(site, "board"), Key(site, "timers")},
            {std::string(ticket), std::to_string(version), entry ? entry->SerializeAsString() : "",
             due})
      .status();
}

absl::StatusOr<std::vector<std::string>> RedisDispatchStore::ClaimDue(absl::string_view site,
                                                                      absl::Time now,
                                                                      absl::Time lease_until,
                                                                      int limit) {
  return redis::ClaimDue(redis_, Key(site, "timers"), now, lease_until, limit);
}

absl::StatusOr<std::vector<std::string>> RedisDispatchStore::Sites() {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"SMEMBERS", "lobby:dispatch:sites"}));
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(e.str);
  return out;
}

absl::StatusOr<std::vector<v1::BoardTicket>> RedisDispatchStore::Board(absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HVALS", Key(site, "board")}));
  std::vector<v1::BoardTicket> out(r.elements.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].ParseFromString(r.elements[i].str))
      return absl::DataLossError("a stored board entry is unreadable");
  }
  return out;
}

absl::StatusOr<Workloads> RedisDispatchStore::Loads(absl::string_view site,
                                                    const std::vector<std::string>& members) {
  std::vector<redis::Args> cmds;
  for (const auto& m : members) cmds.push_back({"HVALS", Key(site, "open:" + m)});
  cmds.push_back({"HGETALL", Key(site, "last")});
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run(std::move(cmds)));
  Workloads out;
  for (size_t i = 0; i < members.size(); ++i) {
    LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(r[i]));
    Workload& w = out[members[i]];
    w.open = static_cast<int>(r[i].elements.size());
    for (const auto& b : r[i].elements) w.buildings.push_back(b.str);
  }
  const redis::Reply& last = r.back();
  for (size_t i = 0; i + 1 < last.elements.size(); i += 2) {
    int64_t ms = 0;
    if (absl::SimpleAtoi(last.elements[i + 1].str, &ms) && out.count(last.elements[i].str)) {
      out[last.elements[i].str].last_assigned_ms = ms;
    }
  }
  return out;
}

absl::Status RedisDispatchStore::SetHolder(absl::string_view site, absl::string_view ticket,
                                           absl::string_view member, absl::string_view building,
                                           int64_t at_ms) {
  // Who held it before comes from Redis itself, inside one script, so that a re-delivered or
  // out-of-order event cannot leave a ticket counted twice.
  static const redis::Script* script = new redis::Script(R"lua(
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev and prev ~= ARGV[2] then redis.call('HDEL', ARGV[4] .. prev, ARGV[1]) end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  if prev then redis.call('HDEL', ARGV[4] .. prev, ARGV[1]) end
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', ARGV[4] .. ARGV[2], ARGV[1], ARGV[3])
if prev ~= ARGV[2] then redis.call('HSET', KEYS[2], ARGV[2], ARGV[5]) end
return 1
)lua");
  return redis_
      .Eval(*script, {Key(site, "holder"), Key(site, "last")},
            {std::string(ticket), std::string(member), std::string(building), Key(site, "open:"),
             std::to_string(at_ms)})
      .status();
}

absl::Status RedisDispatchStore::Push(absl::string_view channel, const queue::Fields& message) {
  return queue::Publish(redis_, queue::OutboundStream(channel), message).status();
}

}  // namespace lobby::dispatch
