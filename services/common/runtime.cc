#include "services/common/runtime.h"

#include <openssl/rand.h>
#include <unistd.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby {

std::string ProcessConsumerName() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return absl::StrCat(host, "-", getpid());
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(const config::CommonConfig& config,
                                                         const Clock& clock) {
  LOBBY_ASSIGN_OR_RETURN(auto opts, redis::ParseUrl(config.redis_url));
  if (!config.redis_password.empty()) opts.password = config.redis_password;
  opts.pool_size = config.redis_pool_size;
  opts.connect_timeout = config.redis_connect_timeout;
  opts.command_timeout = config.redis_command_timeout;
  LOBBY_ASSIGN_OR_RETURN(auto auth, auth::Authenticator::Load(config.tokens_file, config.tokens));
  std::string service_token = config.service_token;
  if (service_token.empty()) {
    unsigned char raw[24];
    RAND_bytes(raw, sizeof raw);
    service_token =
        absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  }
  auth.Add(auth::Role::kAdmin, service_token, "lobbyd-internal");
  if (auth.size() == 1) {
    log::Get("auth")->warn(
        "event=no_tokens every gRPC call will be UNAUTHENTICATED; set "
        "LOBBY_TOKENS_FILE or LOBBY_TOKENS");
  }
  auto rt = std::unique_ptr<Runtime>(new Runtime(config, std::move(opts), std::move(auth), clock));
  rt->service_token_ = std::move(service_token);
  return rt;
}

Runtime::Runtime(config::CommonConfig config, redis::Options redis_options,
                 auth::Authenticator auth, const Clock& clock)
    : config_(std::move(config)),
      redis_options_(std::move(redis_options)),
      clock_(clock),
      auth_(std::move(auth)),
      redis_(std::make_unique<redis::Client>(redis_options_)),
      credentials_(std::make_unique<auth::CredentialStore>(*redis_, clock_)),
      audit_(std::make_unique<AuditLog>(*redis_, clock_)),
      executor_(std::make_unique<Executor>(config_.workers)),
      internal_executor_(std::make_unique<Executor>(4)),
      grpc_(config_.grpc_listen),
      http_(config_.http_listen) {
  auth_.SetResolver([this](absl::string_view secret) { return credentials_->Resolve(secret); },
                    &clock_, config_.auth_cache);
  metrics_.AddCollector([this](std::string& out) {
    out += "# HELP lobby_redis_errors_total Redis connection and transport errors.\n";
    out += "# TYPE lobby_redis_errors_total counter\n";
    absl::StrAppend(&out, "lobby_redis_errors_total ", redis_->errors(), "\n");
    out +=
        "# HELP lobby_redis_noeviction 1 when Redis runs with maxmemory-policy noeviction, 0 when "
        "it "
        "may evict Lobby's data, -1 when it would not say.\n";
    out += "# TYPE lobby_redis_noeviction gauge\n";
    absl::StrAppend(&out, "lobby_redis_noeviction ", noeviction_.load(), "\n");
    out += "# HELP lobby_up 1 while Redis is reachable and the process serves.\n";
    out += "# TYPE lobby_up gauge\n";
    absl::StrAppend(&out, "lobby_up ", healthy_.load() ? 1 : 0, "\n");
  });
  metrics_.AddCollector([this](std::string& out) { CollectQueueMetrics(out); });
  metrics_.AddCollector([this](std::string& out) {
    if (loops_.empty()) return;
    absl::StrAppend(&out,
                    "# HELP lobby_loop_turns_total Turns of each timer loop finished (SLA, shifts, "
                    "surveys): a loop that stops counting is stuck.\n"
                    "# TYPE lobby_loop_turns_total counter\n");
    for (const Loop& l : loops_)
      absl::StrAppend(&out, "lobby_loop_turns_total{loop=\"", l.name, "\"} ", l.turns->load(),
                      "\n");
  });
}

Runtime::~Runtime() { Shutdown(); }

std::string Runtime::AddressOf(absl::string_view service) {
  if (auto it = config_.addresses.find(service);
      it != config_.addresses.end() && !it->second.empty())
    return it->second;
  for (const auto& [name, grpc] : config::CommonConfig::kServices) {
    if (name == service && grpc_.Hosts(grpc)) return grpc_.address();
  }
  return config_.lobby_addr.empty() ? grpc_.address() : config_.lobby_addr;
}

void Runtime::AddConsumer(queue::ConsumerOptions options, queue::Handler handler) {
  if (options.consumer.empty()) options.consumer = ProcessConsumerName();
  options.block = config_.queue_block;
  options.claim_idle = config_.queue_claim_idle;
  options.max_deliveries = config_.queue_max_deliveries;
  consumers_.push_back(
      std::make_unique<queue::Consumer>(redis_options_, std::move(options), std::move(handler)));
}

void Runtime::CollectQueueMetrics(std::string& out) {
  if (consumers_.empty()) return;
  std::vector<redis::Args> cmds;
  for (const auto& c : consumers_) cmds.push_back({"XINFO", "GROUPS", c->options().stream});
  auto replies = redis_->Run(cmds);
  if (!replies.ok()) return;
  std::string pending =
      "# HELP lobby_queue_pending Entries read but not yet acked, per group.\n"
      "# TYPE lobby_queue_pending gauge\n";
  std::string lag =
      "# HELP lobby_queue_lag Entries not yet read by the group.\n"
      "# TYPE lobby_queue_lag gauge\n";
  std::string dead =
      "# HELP lobby_queue_dead_lettered_total Entries this process dead-lettered.\n"
      "# TYPE lobby_queue_dead_lettered_total counter\n";
  for (size_t i = 0; i < consumers_.size(); ++i) {
    const auto& o = consumers_[i]->options();
    for (const redis::Reply& g : (*replies)[i].elements) {
      std::string name;
      long long p = 0, l = 0;
      for (size_t k = 0; k + 1 < g.elements.size(); k += 2) {
        const std::string& key = g.elements[k].str;
        if (key == "name") name = g.elements[k + 1].str;
        if (key == "pending") p = g.elements[k + 1].integer;
        if (key == "lag") l = g.elements[k + 1].integer;
      }
      if (name != o.group) continue;
      std::string labels = absl::StrCat("stream=\"", o.stream, "\",group=\"", o.group, "\"");
      absl::StrAppend(&pending, "lobby_queue_pending{", labels, "} ", p, "\n");
      absl::StrAppend(&lag, "lobby_queue_lag{", labels, "} ", l, "\n");
    }
    absl::StrAppend(&dead, "lobby_queue_dead_lettered_total{stream=\"", o.stream, "\",group=\"",
                    o.group, "\"} ", consumers_[i]->dead_lettered(), "\n");
  }
  out += pending + lag + dead;
}

absl::Status Runtime::Start() {
  LOBBY_RETURN_IF_ERROR(grpc_.Start());
  http_.AddHealthAndMetrics(
      [this]() -> std::string {
        if (draining_) return "shutting down";
        return healthy() ? "" : "redis unreachable";
      },
      &metrics_);
  LOBBY_RETURN_IF_ERROR(http_.Start());
  healthy_ = redis_->Command({"PING"}).ok();
  grpc_.SetServing(healthy_);
  if (healthy_) CheckEvictionPolicy();
  health_thread_ = std::thread([this] { HealthLoop(); });
  for (auto& c : consumers_) c->Start();
  for (const Loop& l : loops_) {
    loop_threads_.emplace_back([this, &l] {
      std::unique_lock lock(health_mu_);
      while (!stopping_) {
        health_cv_.wait_for(lock, absl::ToChronoNanoseconds(l.every));
        if (stopping_) break;
        lock.unlock();
        l.fn();
        l.turns->fetch_add(1);
        lock.lock();
      }
    });
  }
  started_ = true;
  for (auto& fn : on_start_) fn();
  return absl::OkStatus();
}

void Runtime::HealthLoop() {
  auto logger = log::Get("health");
  std::unique_lock lock(health_mu_);
  while (!stopping_) {
    health_cv_.wait_for(lock, absl::ToChronoNanoseconds(config_.health_interval));
    if (stopping_) break;
    lock.unlock();
    bool ok = redis_->Command({"PING"}).ok();
    lock.lock();
    if (stopping_) break;
    if (ok != healthy_.load()) {
      logger->log(ok ? spdlog::level::info : spdlog::level::warn, "event=health serving={}", ok);
      healthy_ = ok;
      grpc_.SetServing(ok);
      if (ok) {
        lock.unlock();
        CheckEvictionPolicy();  // a Redis that comes back may be another one (a failover)
        lock.lock();
      }
    }
  }
}

void Runtime::CheckEvictionPolicy() {
  auto r = redis_->Command({"CONFIG", "GET", "maxmemory-policy"});
  if (!r.ok() || r->elements.size() < 2) {  // managed Redis may refuse CONFIG: unknown
    noeviction_ = -1;
    return;
  }
  const std::string& policy = r->elements[1].str;
  noeviction_ = policy == "noeviction" ? 1 : 0;
  if (policy != "noeviction") {
    log::Get("redis")->warn(
        "event=eviction_policy policy={} error=\"Redis may delete Lobby's records and queue "
        "entries when full: set maxmemory-policy noeviction\"",
        policy);
  }
}

void Runtime::AddLoop(std::string name, absl::Duration every, std::function<void()> fn) {
  loops_.push_back(Loop{std::move(name), every, std::move(fn)});
}

uint64_t Runtime::LoopTurns(absl::string_view name) const {
  for (const Loop& l : loops_) {
    if (l.name == name) return l.turns->load();
  }
  return 0;
}

void Runtime::RunLoopsOnce() {
  for (Loop& l : loops_) l.fn();
}

void Runtime::Shutdown() {
  {
    std::lock_guard lock(health_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  absl::Time serve_until = absl::Now() + (started_ ? config_.shutdown_delay : absl::ZeroDuration());
  health_cv_.notify_all();
  if (health_thread_.joinable()) health_thread_.join();
  draining_ = true;
  healthy_ = false;
  grpc_.SetServing(false);
  if (started_) {
    log::Get("lobbyd")->info("event=draining delay={} grace={}",
                             absl::FormatDuration(config_.shutdown_delay),
                             absl::FormatDuration(config_.shutdown_grace));
  }
  for (auto& c : consumers_) c->Stop();
  for (auto& t : loop_threads_) t.join();  // the turn in hand finishes
  // Calls still arriving (from peers that have not yet seen NOT_SERVING) are served until then.
  if (absl::Now() < serve_until) absl::SleepFor(serve_until - absl::Now());
  for (auto& fn : on_shutdown_) fn();
  grpc_.Shutdown(config_.shutdown_grace);
  executor_->Stop();
  internal_executor_->Stop();
  http_.Stop();
  redis_->Stop();
  if (started_) log::Get("lobbyd")->info("event=stopped");
}

}  // namespace lobby
