#include "services/surveys/redis_survey_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/redis_txn.h"
#include "services/common/status_macros.h"

namespace lobby::surveys {
namespace {

constexpr char kDir[] = "lobby:surveys:dir";
constexpr char kSites[] = "lobby:surveys:sites";
constexpr char kStream[] = "lobby:q:surveys";

std::vector<std::pair<std::string, std::string>> Pairs(redis::Reply& r) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(r.elements.size() / 2);
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    out.emplace_back(std::move(r.elements[i].str), std::move(r.elements[i + 1].str));
  }
  return out;
}

}  // namespace

std::string RedisSurveyStore::Key(absl::string_view site, absl::string_view suffix) {
  return absl::StrCat("lobby:surveys:{", site, "}:", suffix);
}

absl::StatusOr<std::optional<v1::SurveySettings>> RedisSurveyStore::GetSettings(
    absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"GET", Key(site, "settings")}));
  if (r.IsNil()) return std::nullopt;
  v1::SurveySettings s;
  if (!s.ParseFromString(r.str))
    return absl::DataLossError("stored survey settings are unreadable");
  return s;
}

absl::Status RedisSurveyStore::PutSettings(const v1::SurveySettings& s) {
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Run({{"SET", Key(s.site_id(), "settings"), s.SerializeAsString()},
                                     {"SADD", kSites, s.site_id()}}));
  for (const auto& reply : r) {
    LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(reply));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RedisSurveyStore::SiteOf(absl::string_view id) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HGET", kDir, std::string(id)}));
  if (r.IsNil()) return absl::NotFoundError(absl::StrCat("no survey or follow-up '", id, "'"));
  return r.str;
}

absl::StatusOr<std::optional<v1::Survey>> RedisSurveyStore::GetSurvey(absl::string_view site,
                                                                      absl::string_view id) {
  return redis::ReadRecord<v1::Survey>(redis_, Key(site, absl::StrCat("s:", id)));
}

absl::StatusOr<std::optional<v1::FollowUpTask>> RedisSurveyStore::GetFollowUp(
    absl::string_view site, absl::string_view id) {
  return redis::ReadRecord<v1::FollowUpTask>(redis_, Key(site, absl::StrCat("fu:", id)));
}

absl::Status RedisSurveyStore::Apply(const Change& c) {
  redis::Txn txn;
  auto record = [&](const std::string& key, const std::string& id, int64_t version,
                    const std::string& pb) {
    txn.RequireVersion(key, version - 1, absl::StrCat(id, " changed meanwhile"));
    txn.Write({"HSET", key, "pb", pb, "v", std::to_string(version)});
    txn.Write({"HSET", kDir, id, c.site});
  };
  if (c.survey)
    record(Key(c.site, "s:" + c.survey->id()), c.survey->id(), c.survey->version(),
           c.survey->SerializeAsString());
  if (c.follow_up) {
    const v1::FollowUpTask& f = *c.follow_up;
    record(Key(c.site, "fu:" + f.id()), f.id(), f.version(), f.SerializeAsString());
    if (f.status() == v1::FOLLOW_UP_STATUS_OPEN) {
      txn.Write({"ZADD", Key(c.site, "fu_open"), std::to_string(f.created_at().seconds() * 1000),
                 f.id()});
    } else {
      txn.Write({"ZREM", Key(c.site, "fu_open"), f.id()});
      txn.Write(
          {"ZADD", Key(c.site, "fu_done"), std::to_string(f.done_at().seconds() * 1000), f.id()});
    }
  }
  for (const auto& [member, ms] : c.due)
    txn.Write({"ZADD", Key(c.site, "due"), std::to_string(ms), member});
  for (const auto& member : c.undue) txn.Write({"ZREM", Key(c.site, "due"), member});
  for (const auto& inc : c.counts)
    txn.Write({"HINCRBY", Key(c.site, "agg:" + inc.key), inc.field, std::to_string(inc.delta)});
  if (!c.event.empty()) txn.Write(queue::XAddArgs(kStream, c.event));
  for (const auto& [stream, fields] : c.messages) txn.Write(queue::XAddArgs(stream, fields));
  txn.Write({"SADD", kSites, c.site});
  return txn.Run(redis_).status();
}

absl::StatusOr<bool> RedisSurveyStore::CountEvent(
    absl::string_view site, absl::string_view entry_id, absl::string_view ticket,
    const std::vector<std::pair<std::string, std::string>>& facts,
    const std::vector<Increment>& counts) {
  redis::Txn txn;
  std::string done = Key(site, absl::StrCat("done:", entry_id));
  txn.RequireAbsent(done, "counted");
  txn.Write({"SET", done, "1", "EX", std::to_string(30 * 24 * 3600)});
  if (!facts.empty()) {
    redis::Args hset = {"HSET", Key(site, absl::StrCat("t:", ticket))};
    for (const auto& [k, v] : facts) {
      hset.push_back(k);
      hset.push_back(v);
    }
    txn.Write(std::move(hset));
  }
  for (const auto& inc : counts)
    txn.Write({"HINCRBY", Key(site, "agg:" + inc.key), inc.field, std::to_string(inc.delta)});
  txn.Write({"SADD", kSites, std::string(site)});
  auto r = txn.Run(redis_);
  if (absl::IsAlreadyExists(r.status())) return false;
  if (!r.ok()) return r.status();
  return true;
}

absl::StatusOr<std::map<std::string, std::string>> RedisSurveyStore::TicketFacts(
    absl::string_view site, absl::string_view ticket) {
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Command({"HGETALL", Key(site, absl::StrCat("t:", ticket))}));
  std::map<std::string, std::string> out;
  for (auto& [k, v] : Pairs(r)) out[k] = v;
  return out;
}

absl::Status RedisSurveyStore::NoteUnitFault(absl::string_view site,
                                             absl::string_view unit_category,
                                             absl::string_view ticket, int64_t at_ms) {
  static const redis::Script* script = new redis::Script(R"lua(
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
if redis.call('ZCARD', KEYS[1]) >= 3 then redis.call('SADD', KEYS[2], ARGV[4]) end
return 1
)lua");
  int64_t since = at_ms - int64_t{90} * 24 * 3600 * 1000;
  return redis_
      .Eval(*script, {Key(site, absl::StrCat("uc:", unit_category)), Key(site, "repeat")},
            {std::string(ticket), std::to_string(at_ms), std::to_string(since),
             std::string(unit_category)})
      .status();
}

absl::StatusOr<std::vector<std::pair<std::string, std::vector<std::string>>>>
RedisSurveyStore::RepeatFaults(absl::string_view site, int64_t since_ms) {
  LOBBY_ASSIGN_OR_RETURN(auto members, redis_.Command({"SMEMBERS", Key(site, "repeat")}));
  std::vector<redis::Args> cmds;
  for (const auto& m : members.elements) {
    cmds.push_back({"ZRANGEBYSCORE", Key(site, "uc:" + m.str), std::to_string(since_ms), "+inf"});
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  if (cmds.empty()) return out;
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run(std::move(cmds)));
  std::vector<redis::Args> stale;
  for (size_t i = 0; i < r.size(); ++i) {
    std::vector<std::string> tickets;
    for (const auto& e : r[i].elements) tickets.push_back(e.str);
    if (tickets.size() >= 3)
      out.emplace_back(members.elements[i].str, std::move(tickets));
    else
      stale.push_back({"SREM", Key(site, "repeat"), members.elements[i].str});  // aged out
  }
  if (!stale.empty()) (void)redis_.Run(std::move(stale));
  return out;
}

absl::StatusOr<std::vector<std::string>> RedisSurveyStore::ClaimDue(absl::string_view site,
                                                                    int64_t now_ms,
                                                                    int64_t lease_ms, int limit) {
  return redis::ClaimDue(redis_, Key(site, "due"), absl::FromUnixMillis(now_ms),
                         absl::FromUnixMillis(now_ms + lease_ms), limit);
}

absl::StatusOr<std::vector<std::string>> RedisSurveyStore::Sites() {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"SMEMBERS", kSites}));
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(e.str);
  return out;
}

absl::StatusOr<std::vector<v1::FollowUpTask>> RedisSurveyStore::ListFollowUps(
    absl::string_view site, bool include_done, int done_limit) {
  std::vector<redis::Args> index = {{"ZRANGE", Key(site, "fu_open"), "0", "-1"}};
  if (include_done)
    index.push_back({"ZREVRANGE", Key(site, "fu_done"), "0", std::to_string(done_limit - 1)});
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run(std::move(index)));
  std::vector<std::string> list;
  for (const auto& reply : r) {
    LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(reply));
    for (const auto& e : reply.elements) list.push_back(e.str);
  }
  return FollowUps(site, list);
}

absl::StatusOr<std::vector<v1::FollowUpTask>> RedisSurveyStore::FollowUps(
    absl::string_view site, const std::vector<std::string>& ids) {
  std::vector<v1::FollowUpTask> out;
  if (ids.empty()) return out;
  std::vector<redis::Args> cmds;
  for (const auto& id : ids) cmds.push_back({"HGET", Key(site, "fu:" + id), "pb"});
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run(std::move(cmds)));
  for (const auto& reply : r) {
    if (reply.IsNil()) continue;
    v1::FollowUpTask f;
    if (!f.ParseFromString(reply.str))
      return absl::DataLossError("a stored follow-up is unreadable");
    out.push_back(std::move(f));
  }
  return out;
}

absl::StatusOr<std::vector<std::vector<std::pair<std::string, std::string>>>>
RedisSurveyStore::ReadCounters(absl::string_view site, const std::vector<std::string>& keys) {
  std::vector<std::vector<std::pair<std::string, std::string>>> out;
  if (keys.empty()) return out;
  std::vector<redis::Args> cmds;
  for (const auto& k : keys) cmds.push_back({"HGETALL", Key(site, "agg:" + k)});
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run(std::move(cmds)));
  for (auto& reply : r) {
    LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(reply));
    out.push_back(Pairs(reply));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> RedisSurveyStore::MarkAsked(
    absl::string_view site, const std::vector<std::string>& residents, int64_t since_ms,
    int64_t now_ms) {
  static const redis::Script* script = new redis::Script(R"lua(
local out = {}
for i = 3, #ARGV do
  local last = redis.call('HGET', KEYS[1], ARGV[i])
  if not last or tonumber(last) < tonumber(ARGV[1]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[2])
    out[#out + 1] = ARGV[i]
  end
end
return out
)lua");
  redis::Args args = {std::to_string(since_ms), std::to_string(now_ms)};
  args.insert(args.end(), residents.begin(), residents.end());
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Eval(*script, {Key(site, "asked")}, args));
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(e.str);
  return out;
}

}  // namespace lobby::surveys
