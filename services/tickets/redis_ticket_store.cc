#include "services/tickets/redis_ticket_store.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/redis_txn.h"
#include "services/common/status_macros.h"
#include "services/tickets/state_machine.h"

namespace lobby::tickets {
namespace {

using google::protobuf::util::TimeUtil;

int64_t CreatedMs(const v1::Ticket& t) { return TimeUtil::TimestampToMilliseconds(t.created_at()); }

absl::StatusOr<v1::Ticket> Parse(const redis::Reply& r) {
  v1::Ticket t;
  if (r.type != redis::Reply::Type::kString || !t.ParseFromString(r.str)) {
    return absl::DataLossError("stored ticket is unreadable");
  }
  return t;
}

// Numeric part of "R-10042", to order tickets created in the same millisecond.
int64_t IdNumber(absl::string_view id) {
  int64_t n = 0;
  size_t dash = id.rfind('-');
  (void)absl::SimpleAtoi(id.substr(dash == absl::string_view::npos ? 0 : dash + 1), &n);
  return n;
}

}  // namespace

std::string RedisTicketStore::SiteKey(absl::string_view site, absl::string_view suffix) const {
  return absl::StrCat(prefix_, ":{", site, "}:", suffix);
}

std::vector<std::string> RedisTicketStore::IndexKeys(const v1::Ticket& t) const {
  const std::string& s = t.site_id();
  std::vector<std::string> keys = {SiteKey(s, "idx:all"),
                                   SiteKey(s, "idx:status:" + StatusName(t.status())),
                                   SiteKey(s, "idx:category:" + t.category()),
                                   SiteKey(s, "idx:priority:" + PriorityName(t.priority()))};
  std::string building =
      t.location().has_unit() ? t.location().unit().building() : t.location().building();
  if (!building.empty()) keys.push_back(SiteKey(s, "idx:building:" + building));
  if (!t.team().empty()) keys.push_back(SiteKey(s, "idx:team:" + t.team()));
  if (!t.assignee().empty()) keys.push_back(SiteKey(s, "idx:assignee:" + t.assignee()));
  if (!t.reporter().resident_id().empty())
    keys.push_back(SiteKey(s, "idx:reporter:" + t.reporter().resident_id()));
  return keys;
}

namespace {
// "<ticket id>\t<fingerprint>" (a key written before fingerprints holds the id alone).
IdempotencyRecord ParseIdempotency(const std::string& value) {
  size_t tab = value.find('\t');
  if (tab == std::string::npos) return {value, ""};
  return {value.substr(0, tab), value.substr(tab + 1)};
}
}  // namespace

std::string RedisTicketStore::IdempotencyKey(absl::string_view site, absl::string_view key) const {
  return SiteKey(site, absl::StrCat("idem:", key));
}

absl::StatusOr<std::optional<IdempotencyRecord>> RedisTicketStore::FindByIdempotencyKey(
    absl::string_view site, absl::string_view key) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"GET", IdempotencyKey(site, key)}));
  if (r.IsNil()) return std::nullopt;
  return ParseIdempotency(r.str);
}

absl::Status RedisTicketStore::Insert(const v1::Ticket& t, absl::string_view idempotency_key,
                                      absl::string_view fingerprint, const queue::Fields& event) {
  redis::Txn txn;
  std::string key = SiteKey(t.site_id(), "t:" + t.id());
  if (!idempotency_key.empty()) {
    std::string idem = IdempotencyKey(t.site_id(), idempotency_key);
    txn.RequireAbsent(idem, "a ticket was created with this idempotency key");
    txn.Write({"SET", idem, absl::StrCat(t.id(), "\t", fingerprint), "EX",
               std::to_string(30 * 24 * 3600)});
  }
  txn.RequireVersion(key, 0, "ticket id already in use");
  txn.Write({"HSET", key, "pb", t.SerializeAsString(), "v", std::to_string(t.version())});
  txn.Write({"HSET", prefix_ + ":dir", t.id(), t.site_id()});
  std::string score = std::to_string(CreatedMs(t));
  for (const auto& idx : IndexKeys(t)) txn.Write({"ZADD", idx, score, t.id()});
  if (!t.team().empty()) {
    txn.Write(
        {"HINCRBY", SiteKey(t.site_id(), "counts:team:" + t.team()), StatusName(t.status()), "1"});
  }
  IncidentMembership(txn, nullptr, t);
  txn.Write(queue::XAddArgs(queue::kTicketsStream, event));
  return txn.Run(redis_).status();
}

void RedisTicketStore::IncidentMembership(redis::Txn& txn, const v1::Ticket* before,
                                          const v1::Ticket& after) const {
  std::string old_id = before ? before->repair().incident_id() : "";
  const std::string& new_id = after.repair().incident_id();
  if (old_id == new_id) return;
  if (!old_id.empty())
    txn.Write({"SREM", SiteKey(after.site_id(), "incident_tickets:" + old_id), after.id()});
  if (!new_id.empty())
    txn.Write({"SADD", SiteKey(after.site_id(), "incident_tickets:" + new_id), after.id()});
}

absl::StatusOr<v1::Ticket> RedisTicketStore::Get(absl::string_view id) {
  LOBBY_ASSIGN_OR_RETURN(auto site, redis_.Command({"HGET", prefix_ + ":dir", std::string(id)}));
  if (site.IsNil()) return absl::NotFoundError(absl::StrCat("no ticket ", id));
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Command({"HGET", SiteKey(site.str, absl::StrCat("t:", id)), "pb"}));
  if (r.IsNil()) return absl::NotFoundError(absl::StrCat("no ticket ", id));
  return Parse(r);
}

absl::Status RedisTicketStore::Replace(const v1::Ticket& before, const v1::Ticket& after,
                                       const queue::Fields& event) {
  redis::Txn txn;
  std::string key = SiteKey(after.site_id(), "t:" + after.id());
  txn.RequireVersion(key, before.version(),
                     "the ticket was changed by someone else; read it again");
  txn.Write({"HSET", key, "pb", after.SerializeAsString(), "v", std::to_string(after.version())});
  std::vector<std::string> old_idx = IndexKeys(before), new_idx = IndexKeys(after);
  std::set<std::string> olds(old_idx.begin(), old_idx.end()), news(new_idx.begin(), new_idx.end());
  for (const auto& k : olds) {
    if (!news.count(k)) txn.Write({"ZREM", k, after.id()});
  }
  std::string score = std::to_string(CreatedMs(after));
  for (const auto& k : news) {
    if (!olds.count(k)) txn.Write({"ZADD", k, score, after.id()});
  }
  if (before.team() != after.team() || before.status() != after.status()) {
    if (!before.team().empty()) {
      txn.Write({"HINCRBY", SiteKey(before.site_id(), "counts:team:" + before.team()),
                 StatusName(before.status()), "-1"});
    }
    if (!after.team().empty()) {
      txn.Write({"HINCRBY", SiteKey(after.site_id(), "counts:team:" + after.team()),
                 StatusName(after.status()), "1"});
    }
  }
  IncidentMembership(txn, &before, after);
  txn.Write(queue::XAddArgs(queue::kTicketsStream, event));
  return txn.Run(redis_).status();
}

absl::StatusOr<TicketPage> RedisTicketStore::List(const v1::ListTicketsRequest& q, int page_size) {
  // The most selective index given, then the other filters on the records themselves.
  const std::string& s = q.site_id();
  std::string idx = SiteKey(s, "idx:all");
  if (!q.assignee().empty())
    idx = SiteKey(s, "idx:assignee:" + q.assignee());
  else if (!q.reporter_resident_id().empty())
    idx = SiteKey(s, "idx:reporter:" + q.reporter_resident_id());
  else if (!q.team().empty())
    idx = SiteKey(s, "idx:team:" + q.team());
  else if (!q.category().empty())
    idx = SiteKey(s, "idx:category:" + q.category());
  else if (!q.building().empty())
    idx = SiteKey(s, "idx:building:" + q.building());
  else if (q.status() != v1::TICKET_STATUS_UNSPECIFIED)
    idx = SiteKey(s, "idx:status:" + StatusName(q.status()));
  else if (q.priority() != v1::PRIORITY_UNSPECIFIED)
    idx = SiteKey(s, "idx:priority:" + PriorityName(q.priority()));

  // Cursor: "MS:ID" of the last ticket returned; the next page starts strictly after it.
  int64_t max_ms = q.has_created_before()
                       ? TimeUtil::TimestampToMilliseconds(q.created_before()) - 1
                       : std::numeric_limits<int64_t>::max();
  int64_t min_ms =
      q.has_created_after() ? TimeUtil::TimestampToMilliseconds(q.created_after()) + 1 : 0;
  int64_t cursor_ms = -1, cursor_id = 0;
  if (!q.page_token().empty()) {
    std::vector<std::string> parts = absl::StrSplit(q.page_token(), ':');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &cursor_ms) ||
        !absl::SimpleAtoi(parts[1], &cursor_id)) {
      return absl::InvalidArgumentError("bad page_token");
    }
    max_ms = std::min(max_ms, cursor_ms);
  }
  TicketPage page;
  constexpr int kChunk = 200, kMaxScanned = 5000;  // bound the work of one call
  int scanned = 0, offset = 0;
  std::string building = q.building();
  while (static_cast<int>(page.tickets.size()) < page_size && scanned < kMaxScanned) {
    auto r =
        redis_.Command({"ZREVRANGEBYSCORE", idx, std::to_string(max_ms), std::to_string(min_ms),
                        "WITHSCORES", "LIMIT", std::to_string(offset), std::to_string(kChunk)});
    if (!r.ok()) return r.status();
    size_t n = r->elements.size() / 2;
    if (n == 0) break;
    offset += static_cast<int>(n);
    std::vector<redis::Args> gets;
    std::vector<std::pair<int64_t, std::string>> ids;
    for (size_t i = 0; i < n; ++i) {
      const std::string& id = r->elements[2 * i].str;
      int64_t ms = 0;
      (void)absl::SimpleAtoi(r->elements[2 * i + 1].str, &ms);
      if (ms == cursor_ms && IdNumber(id) >= cursor_id) continue;  // already returned
      ids.emplace_back(ms, id);
      gets.push_back({"HGET", SiteKey(s, "t:" + id), "pb"});
    }
    scanned += static_cast<int>(n);
    if (gets.empty()) continue;
    LOBBY_ASSIGN_OR_RETURN(auto recs, redis_.Run(std::move(gets)));
    for (size_t i = 0; i < recs.size(); ++i) {
      if (recs[i].IsNil()) continue;
      LOBBY_ASSIGN_OR_RETURN(auto t, Parse(recs[i]));
      std::string b =
          t.location().has_unit() ? t.location().unit().building() : t.location().building();
      bool keep = (q.status() == v1::TICKET_STATUS_UNSPECIFIED || t.status() == q.status()) &&
                  (q.category().empty() || t.category() == q.category()) &&
                  (q.team().empty() || t.team() == q.team()) &&
                  (q.assignee().empty() || t.assignee() == q.assignee()) &&
                  (q.reporter_resident_id().empty() ||
                   t.reporter().resident_id() == q.reporter_resident_id()) &&
                  (q.priority() == v1::PRIORITY_UNSPECIFIED || t.priority() == q.priority()) &&
                  (building.empty() || b == building);
      if (!keep) continue;
      page.tickets.push_back(std::move(t));
      if (static_cast<int>(page.tickets.size()) == page_size) {
        page.next_page_token = absl::StrCat(ids[i].first, ":", IdNumber(ids[i].second));
        break;
      }
    }
    if (static_cast<int>(n) < kChunk) break;
  }
  if (page.next_page_token.empty() && scanned >= kMaxScanned && !page.tickets.empty()) {
    const v1::Ticket& last = page.tickets.back();
    page.next_page_token = absl::StrCat(CreatedMs(last), ":", IdNumber(last.id()));
  }
  return page;
}

absl::StatusOr<std::map<std::string, int64_t>> RedisTicketStore::CountByStatus(
    absl::string_view site, absl::string_view team) {
  LOBBY_ASSIGN_OR_RETURN(
      auto r, redis_.Command({"HGETALL", SiteKey(site, absl::StrCat("counts:team:", team))}));
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    int64_t n = 0;
    if (absl::SimpleAtoi(r.elements[i + 1].str, &n) && n != 0) out[r.elements[i].str] = n;
  }
  return out;
}

absl::StatusOr<std::string> RedisTicketStore::NextIncidentId() {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"INCR", prefix_ + ":incident_seq"}));
  return absl::StrCat("I-", 10000 + r.integer);
}

void RedisTicketStore::IncidentIndexes(redis::Txn& txn, const v1::Incident& inc) const {
  std::string autos = SiteKey(inc.site_id(), "incidents:auto");
  if (inc.status() == v1::INCIDENT_STATUS_OPEN && inc.auto_attach()) {
    // category|buildings|expected ms|title: the title last, as it may hold any character.
    txn.Write(
        {"HSET", autos, inc.id(),
         absl::StrCat(inc.category(), "|", absl::StrJoin(inc.buildings(), ","), "|",
                      inc.has_expected_at()
                          ? std::to_string(TimeUtil::TimestampToMilliseconds(inc.expected_at()))
                          : "",
                      "|", inc.title())});
  } else {
    txn.Write({"HDEL", autos, inc.id()});
  }
}

absl::Status RedisTicketStore::InsertIncident(const v1::Incident& inc, const queue::Fields& event) {
  redis::Txn txn;
  std::string key = SiteKey(inc.site_id(), "incident:" + inc.id());
  v1::Incident stored = inc;
  stored.clear_ticket_ids();
  txn.RequireVersion(key, 0, "incident id already in use");
  txn.Write({"HSET", key, "pb", stored.SerializeAsString(), "v", std::to_string(inc.version())});
  txn.Write({"HSET", prefix_ + ":incident_dir", inc.id(), inc.site_id()});
  txn.Write({"ZADD", SiteKey(inc.site_id(), "incidents"),
             std::to_string(TimeUtil::TimestampToMilliseconds(inc.created_at())), inc.id()});
  IncidentIndexes(txn, inc);
  txn.Write(queue::XAddArgs(queue::kTicketsStream, event));
  return txn.Run(redis_).status();
}

absl::StatusOr<std::vector<v1::Incident>> RedisTicketStore::FetchIncidents(
    absl::string_view site, const std::vector<std::string>& ids) {
  std::vector<redis::Args> cmds;
  for (const auto& id : ids) {
    cmds.push_back({"HGET", SiteKey(site, "incident:" + id), "pb"});
    cmds.push_back({"SMEMBERS", SiteKey(site, "incident_tickets:" + id)});
  }
  std::vector<v1::Incident> out;
  if (cmds.empty()) return out;
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run(std::move(cmds)));
  for (size_t i = 0; i + 1 < r.size(); i += 2) {
    if (r[i].IsNil()) continue;
    v1::Incident inc;
    if (!inc.ParseFromString(r[i].str)) return absl::DataLossError("stored incident is unreadable");
    std::vector<std::string> tickets;
    for (const auto& e : r[i + 1].elements) tickets.push_back(e.str);
    std::sort(tickets.begin(), tickets.end(),
              [](const std::string& a, const std::string& b) { return IdNumber(a) < IdNumber(b); });
    for (auto& t : tickets) inc.add_ticket_ids(std::move(t));
    out.push_back(std::move(inc));
  }
  return out;
}

absl::StatusOr<v1::Incident> RedisTicketStore::GetIncident(absl::string_view id) {
  LOBBY_ASSIGN_OR_RETURN(auto site,
                         redis_.Command({"HGET", prefix_ + ":incident_dir", std::string(id)}));
  if (site.IsNil()) return absl::NotFoundError(absl::StrCat("no incident ", id));
  LOBBY_ASSIGN_OR_RETURN(auto list, FetchIncidents(site.str, {std::string(id)}));
  if (list.empty()) return absl::NotFoundError(absl::StrCat("no incident ", id));
  return std::move(list.front());
}

absl::Status RedisTicketStore::ReplaceIncident(const v1::Incident& before,
                                               const v1::Incident& after,
                                               const queue::Fields& event) {
  redis::Txn txn;
  std::string key = SiteKey(after.site_id(), "incident:" + after.id());
  v1::Incident stored = after;
  stored.clear_ticket_ids();
  txn.RequireVersion(key, before.version(),
                     "the incident was changed by someone else; read it again");
  txn.Write({"HSET", key, "pb", stored.SerializeAsString(), "v", std::to_string(after.version())});
  IncidentIndexes(txn, after);
  txn.Write(queue::XAddArgs(queue::kTicketsStream, event));
  return txn.Run(redis_).status();
}

absl::StatusOr<std::vector<v1::Incident>> RedisTicketStore::ListIncidents(absl::string_view site,
                                                                          bool include_resolved) {
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Command({"ZREVRANGE", SiteKey(site, "incidents"), "0", "499"}));
  std::vector<std::string> ids;
  for (const auto& e : r.elements) ids.push_back(e.str);
  auto all = FetchIncidents(site, ids);
  if (!all.ok() || include_resolved) return all;
  std::vector<v1::Incident> open;
  for (auto& i : *all) {
    if (i.status() == v1::INCIDENT_STATUS_OPEN) open.push_back(std::move(i));
  }
  return open;
}

absl::StatusOr<CreatePrelude> RedisTicketStore::PrepareCreate(absl::string_view site,
                                                              absl::string_view idempotency_key) {
  std::vector<redis::Args> cmds = {{"INCR", prefix_ + ":seq"},
                                   {"HGETALL", SiteKey(site, "incidents:auto")}};
  if (!idempotency_key.empty()) cmds.push_back({"GET", IdempotencyKey(site, idempotency_key)});
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Run(std::move(cmds)));
  for (const redis::Reply& reply : r) {
    LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(reply));
  }
  CreatePrelude out;
  out.next_id = absl::StrCat(id_prefix_, "-", 10000 + r[0].integer);
  out.auto_attach = ParseAutoAttach(r[1]);
  if (r.size() > 2 && !r[2].IsNil()) out.existing = ParseIdempotency(r[2].str);
  return out;
}

std::vector<OpenIncident> RedisTicketStore::ParseAutoAttach(const redis::Reply& hash) {
  std::vector<OpenIncident> out;
  for (size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    OpenIncident o;
    o.id = hash.elements[i].str;
    std::vector<std::string> parts =
        absl::StrSplit(hash.elements[i + 1].str, absl::MaxSplits('|', 3));
    o.category = parts[0];
    if (parts.size() > 1) o.buildings = absl::StrSplit(parts[1], ',', absl::SkipEmpty());
    if (parts.size() > 3) {  // (entries written before titles were kept have two parts)
      o.expected_at = parts[2];
      o.title = parts[3];
    }
    out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end(), [](const OpenIncident& a, const OpenIncident& b) {
    return IdNumber(a.id) < IdNumber(b.id);
  });
  return out;
}

absl::StatusOr<std::optional<v1::Catalog>> RedisTicketStore::GetCatalog(absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"GET", SiteKey(site, "catalog")}));
  if (r.IsNil()) return std::nullopt;
  v1::Catalog c;
  if (!c.ParseFromString(r.str)) return absl::DataLossError("stored catalog is unreadable");
  return c;
}

absl::Status RedisTicketStore::PutCatalog(const v1::Catalog& catalog) {
  return redis_.Command({"SET", SiteKey(catalog.site_id(), "catalog"), catalog.SerializeAsString()})
      .status();
}

}  // namespace lobby::tickets
