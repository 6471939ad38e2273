#include "services/common/queue.h"

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/blocking_counter.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby::queue {

namespace {
constexpr char kPermanent[] = "type.lobby/permanent";
}  // namespace

absl::Status Permanent(absl::Status status) {
  status.SetPayload(kPermanent, absl::Cord("1"));
  return status;
}

bool IsPermanent(const absl::Status& status) { return status.GetPayload(kPermanent).has_value(); }

std::string OutboundStream(absl::string_view channel) {
  return absl::StrCat("lobby:q:outbound:", channel);
}

absl::string_view Entry::Get(absl::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return {};
}

std::string PackFields(const Fields& fields) {
  std::string out;
  for (const auto& [k, v] : fields) absl::StrAppend(&out, out.empty() ? "" : "\x1e", k, "\x1f", v);
  return out;
}

std::string JobButton(absl::string_view ticket, absl::string_view verb) {
  return absl::StrCat("job:", ticket, ":", verb);
}

Fields UnpackFields(absl::string_view packed) {
  Fields out;
  for (absl::string_view part : absl::StrSplit(packed, '\x1e', absl::SkipEmpty())) {
    std::vector<std::string> p = absl::StrSplit(part, absl::MaxSplits('\x1f', 1));
    if (p.size() == 2) out.emplace_back(std::move(p[0]), std::move(p[1]));
  }
  return out;
}

redis::Args XAddArgs(absl::string_view stream, const Fields& fields) {
  redis::Args a{"XADD", std::string(stream), "*"};
  a.reserve(3 + 2 * fields.size());
  for (const auto& [k, v] : fields) {
    a.push_back(k);
    a.push_back(v);
  }
  return a;
}

absl::StatusOr<std::string> Publish(redis::Client& client, absl::string_view stream,
                                    const Fields& fields) {
  LOBBY_ASSIGN_OR_RETURN(auto r, client.Command(XAddArgs(stream, fields)));
  return r.str;
}

std::vector<Entry> ParseEntries(const redis::Reply& list) {
  std::vector<Entry> out;
  for (const redis::Reply& e : list.elements) {
    if (e.elements.size() < 2) continue;
    Entry entry;
    entry.id = e.elements[0].str;
    const redis::Reply& kv = e.elements[1];
    for (size_t i = 0; i + 1 < kv.elements.size(); i += 2) {
      entry.fields.emplace_back(kv.elements[i].str, kv.elements[i + 1].str);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Consumer::Consumer(redis::Options redis, ConsumerOptions options, Handler handler)
    : conn_(std::move(redis)), options_(std::move(options)), handler_(std::move(handler)) {
  if (options_.parallel > 1) lanes_ = std::make_unique<Executor>(options_.parallel - 1);
}

std::vector<absl::Status> Consumer::HandleAll(const std::vector<Entry>& entries,
                                              const std::vector<bool>& todo) {
  std::vector<absl::Status> out(entries.size());
  int lanes = std::max(1, options_.parallel);
  if (lanes == 1) {
    for (size_t i = 0; i < entries.size(); ++i) {
      if (todo[i]) out[i] = handler_(entries[i]);
    }
    return out;
  }
  std::vector<std::vector<size_t>> lane(lanes);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (todo[i])
      lane[absl::Hash<absl::string_view>{}(entries[i].Get(options_.shard_field)) % lanes].push_back(
          i);
  }
  auto run = [&](int l) {
    for (size_t i : lane[l]) out[i] = handler_(entries[i]);
  };
  absl::BlockingCounter done(lanes - 1);
  for (int l = 1; l < lanes; ++l) {
    if (!lanes_->Submit([&, l] {
          run(l);
          done.DecrementCount();
        })) {
      run(l);  // stopping: do it here
      done.DecrementCount();
    }
  }
  run(0);
  done.Wait();
  return out;
}

Consumer::~Consumer() { Stop(); }

void Consumer::Start() {
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Consumer::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

absl::Status Consumer::EnsureGroup() {
  auto r = conn_.Command({"XGROUP", "CREATE", options_.stream, options_.group, "0", "MKSTREAM"});
  if (!r.ok() && !absl::StrContains(r.status().message(), "BUSYGROUP")) return r.status();
  return absl::OkStatus();
}

void Consumer::Loop() {
  auto logger = log::Get("queue");
  bool ready = false;
  absl::Duration backoff = absl::Milliseconds(100);
  std::string last_error;
  while (!stopping_) {
    absl::Status s;
    if (!ready) {
      s = EnsureGroup();
      if (s.ok()) s = ReplayPending();
      if (s.ok()) {
        ready = true;
        logger->info("event=consumer_ready stream={} group={} consumer={}", options_.stream,
                     options_.group, options_.consumer);
      }
    } else if (absl::Now() >= next_claim_) {
      s = Claim();
      if (s.ok()) s = RemoveIdleConsumers();
      next_claim_ = absl::Now() + std::max(options_.claim_idle / 2, absl::Milliseconds(10));
    }
    if (s.ok() && ready) s = ReadNew();
    if (!s.ok()) {
      // Rate-limited: a repeated error is logged once until it changes.
      if (std::string(s.message()) != last_error) {
        last_error = std::string(s.message());
        logger->error("event=consumer_error stream={} group={} error=\"{}\"", options_.stream,
                      options_.group, last_error);
      }
      // Start over: the group may be gone (a Redis that lost its data answers NOGROUP), and
      // replaying our own pending entries again is harmless.
      ready = false;
      absl::Time until = absl::Now() + backoff;
      while (!stopping_ && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
      backoff = std::min(backoff * 2, absl::Seconds(2));
    } else {
      backoff = absl::Milliseconds(100);
      last_error.clear();
    }
  }
}

absl::Status Consumer::ReplayPending() {
  std::string from = "0";
  while (!stopping_) {
    LOBBY_ASSIGN_OR_RETURN(
        auto r, conn_.Command({"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT",
                               std::to_string(options_.batch), "STREAMS", options_.stream, from}));
    if (r.IsNil() || r.elements.empty()) return absl::OkStatus();
    std::vector<Entry> entries = ParseEntries(r.elements[0].elements[1]);
    if (entries.empty()) return absl::OkStatus();
    from = entries.back().id;
    LOBBY_RETURN_IF_ERROR(FillDeliveries(entries));
    LOBBY_RETURN_IF_ERROR(Process(entries));
  }
  return absl::OkStatus();
}

absl::Status Consumer::Claim() {
  std::string cursor = "0-0";
  do {
    LOBBY_ASSIGN_OR_RETURN(
        auto r, conn_.Command({"XAUTOCLAIM", options_.stream, options_.group, options_.consumer,
                               std::to_string(absl::ToInt64Milliseconds(options_.claim_idle)),
                               cursor, "COUNT", std::to_string(options_.batch)}));
    if (r.elements.size() < 2) return absl::OkStatus();
    cursor = r.elements[0].str;
    std::vector<Entry> entries = ParseEntries(r.elements[1]);
    if (entries.empty()) continue;
    LOBBY_RETURN_IF_ERROR(FillDeliveries(entries));
    LOBBY_RETURN_IF_ERROR(Process(entries));
  } while (cursor != "0-0" && !stopping_);
  return absl::OkStatus();
}

absl::Status Consumer::RemoveIdleConsumers() {
  // In one script, so that a consumer that wakes up between the look and the removal cannot
  // lose entries it just read: only a consumer with nothing pending, silent for ten times
  // claim_idle, is removed. Redis 7.0 counts a blocking read that found nothing as silence,
  // so a live consumer of a quiet stream may go too: harmless, its next read recreates it.
  static constexpr char kScript[] = R"lua(
local removed = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f['name'] ~= ARGV[2] and f['pending'] == 0 and f['idle'] > tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    removed = removed + 1
  end
end
return removed
)lua";
  LOBBY_ASSIGN_OR_RETURN(
      auto r,
      conn_.Command({"EVAL", kScript, "1", options_.stream, options_.group, options_.consumer,
                     std::to_string(absl::ToInt64Milliseconds(options_.claim_idle * 10))}));
  if (r.integer > 0) {
    log::Get("queue")->info("event=idle_consumers_removed stream={} group={} count={}",
                            options_.stream, options_.group, r.integer);
  }
  return absl::OkStatus();
}

absl::Status Consumer::ReadNew() {
  LOBBY_ASSIGN_OR_RETURN(
      auto r, conn_.Command({"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT",
                             std::to_string(options_.batch), "BLOCK",
                             std::to_string(absl::ToInt64Milliseconds(options_.block)), "STREAMS",
                             options_.stream, ">"},
                            options_.block + absl::Seconds(5)));
  if (r.IsNil() || r.elements.empty()) return absl::OkStatus();
  std::vector<Entry> entries = ParseEntries(r.elements[0].elements[1]);
  return Process(entries);  // fresh entries: first delivery
}

absl::Status Consumer::FillDeliveries(std::vector<Entry>& entries) {
  // One XPENDING over the id range gives the delivery counts of the whole batch.
  auto r =
      conn_.Command({"XPENDING", options_.stream, options_.group, entries.front().id,
                     entries.back().id, std::to_string(entries.size() + 16), options_.consumer});
  if (!r.ok()) return r.status();
  absl::flat_hash_map<std::string, int64_t> counts;
  for (const redis::Reply& p : r->elements) {
    if (p.elements.size() >= 4) counts[p.elements[0].str] = p.elements[3].integer;
  }
  for (Entry& e : entries) {
    auto it = counts.find(e.id);
    e.deliveries = it == counts.end() ? 1 : it->second;
  }
  return absl::OkStatus();
}

absl::Status Consumer::Process(std::vector<Entry>& entries) {
  auto logger = log::Get("queue");
  std::vector<redis::Args> acks_and_dlq;
  redis::Args ack{"XACK", options_.stream, options_.group};
  auto dead_letter = [&](const Entry& e, absl::string_view reason) {
    queue::Fields f{{"dlq_stream", options_.stream},
                    {"dlq_group", options_.group},
                    {"dlq_id", e.id},
                    {"dlq_deliveries", std::to_string(e.deliveries)},
                    {"dlq_reason", std::string(reason)}};
    f.insert(f.end(), e.fields.begin(), e.fields.end());
    acks_and_dlq.push_back(XAddArgs(options_.dead_letter_stream, f));
    ack.push_back(e.id);
    dead_lettered_++;
    logger->warn("event=dead_letter stream={} group={} id={} deliveries={} reason=\"{}\"",
                 options_.stream, options_.group, e.id, e.deliveries, reason);
  };
  std::vector<bool> todo(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    todo[i] = !entries[i].fields.empty() && entries[i].deliveries <= options_.max_deliveries;
  }
  std::vector<absl::Status> results = HandleAll(entries, todo);
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.fields.empty()) {  // deleted from the stream while pending: nothing to do
      ack.push_back(e.id);
      continue;
    }
    if (e.deliveries > options_.max_deliveries) {
      dead_letter(e, absl::StrCat("delivered ", e.deliveries,
                                  " times without completing (consumer died while handling it)"));
      continue;
    }
    const absl::Status& s = results[i];
    if (s.ok()) {
      handled_++;
      ack.push_back(e.id);
    } else if (e.deliveries >= options_.max_deliveries || IsPermanent(s)) {
      failed_++;
      dead_letter(e, absl::StrCat(absl::StatusCodeToString(s.code()), ": ", s.message()));
    } else {
      failed_++;
      logger->warn("event=handler_failed stream={} group={} id={} delivery={} error=\"{}\"",
                   options_.stream, options_.group, e.id, e.deliveries, s.message());
    }
  }
  if (ack.size() == 3) return absl::OkStatus();
  std::vector<redis::Args> cmds{{"MULTI"}};
  for (auto& a : acks_and_dlq) cmds.push_back(std::move(a));
  cmds.push_back(std::move(ack));
  cmds.push_back({"EXEC"});
  LOBBY_ASSIGN_OR_RETURN(auto r, conn_.Run(cmds));
  LOBBY_RETURN_IF_ERROR(redis::ReplyStatus(r.back()));
  return absl::OkStatus();
}

}  // namespace lobby::queue
