#include "services/common/redis.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sys/time.h>

#include <mutex>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby::redis {
namespace {

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

}  // namespace

absl::Status ReplyStatus(const Reply& reply) {
  if (!reply.IsError()) return absl::OkStatus();
  absl::string_view msg = reply.str;
  // Redis prefixes "ERR " to an error reply of one word ("LOBBY:ABORTED:stale").
  if (absl::ConsumePrefix(&msg, "LOBBY:") || absl::ConsumePrefix(&msg, "ERR LOBBY:")) {
    std::vector<absl::string_view> parts = absl::StrSplit(msg, absl::MaxSplits(':', 1));
    static const std::pair<absl::string_view, absl::StatusCode> kCodes[] = {
        {"NOT_FOUND", absl::StatusCode::kNotFound},
        {"ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
        {"ABORTED", absl::StatusCode::kAborted},
        {"FAILED_PRECONDITION", absl::StatusCode::kFailedPrecondition},
        {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
        {"RESOURCE_EXHAUSTED", absl::StatusCode::kResourceExhausted},
        {"PERMISSION_DENIED", absl::StatusCode::kPermissionDenied}};
    for (const auto& [name, code] : kCodes) {
      if (parts[0] == name) return absl::Status(code, parts.size() > 1 ? parts[1] : "");
    }
  }
  return absl::InternalError(absl::StrCat("redis: ", msg));
}

absl::StatusOr<Options> ParseUrl(absl::string_view url) {
  Options o;
  if (absl::ConsumePrefix(&url, "unix://")) {
    o.unix_socket = true;
    std::vector<absl::string_view> pq = absl::StrSplit(url, absl::MaxSplits('?', 1));
    o.path = std::string(pq[0]);
    if (o.path.empty() || o.path[0] != '/') {
      return absl::InvalidArgumentError(
          "unix socket URL needs an absolute path: unix:///path.sock");
    }
    if (pq.size() > 1) {
      for (absl::string_view kv : absl::StrSplit(pq[1], '&', absl::SkipEmpty())) {
        std::vector<absl::string_view> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
        absl::string_view v = p.size() > 1 ? p[1] : "";
        if (p[0] == "db") {
          if (!absl::SimpleAtoi(v, &o.db) || o.db < 0)
            return absl::InvalidArgumentError("bad db number");
        } else if (p[0] == "password") {
          o.password = std::string(v);
        } else if (p[0] == "user") {
          o.user = std::string(v);
        } else {
          return absl::InvalidArgumentError(absl::StrCat("unknown URL parameter '", p[0], "'"));
        }
      }
    }
    return o;
  }
  bool sentinel = absl::ConsumePrefix(&url, "redis+sentinel://");
  if (!sentinel && !absl::ConsumePrefix(&url, "redis://")) {
    return absl::InvalidArgumentError(
        "expected redis://host:port[/db], redis+sentinel://host:port,.../master[/db] or "
        "unix:///path.sock");
  }
  if (sentinel) {
    std::vector<absl::string_view> pq = absl::StrSplit(url, absl::MaxSplits('?', 1));
    url = pq[0];
    if (pq.size() > 1) {
      for (absl::string_view kv : absl::StrSplit(pq[1], '&', absl::SkipEmpty())) {
        std::vector<absl::string_view> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
        if (p[0] != "sentinel_password" || p.size() < 2) {
          return absl::InvalidArgumentError(absl::StrCat("unknown URL parameter '", p[0], "'"));
        }
        o.sentinel_password = std::string(p[1]);
      }
    }
  }
  size_t at = url.rfind('@');
  if (at != absl::string_view::npos) {
    absl::string_view auth = url.substr(0, at);
    url = url.substr(at + 1);
    size_t colon = auth.find(':');
    if (colon == absl::string_view::npos) {
      o.password = std::string(auth);
    } else {
      o.user = std::string(auth.substr(0, colon));
      o.password = std::string(auth.substr(colon + 1));
    }
  }
  std::vector<absl::string_view> hp_db = absl::StrSplit(url, absl::MaxSplits('/', 1));
  if (sentinel) {
    // hosts/master[/db]
    std::vector<absl::string_view> rest = hp_db.size() > 1
                                              ? absl::StrSplit(hp_db[1], absl::MaxSplits('/', 1))
                                              : std::vector<absl::string_view>{};
    if (rest.empty() || rest[0].empty()) {
      return absl::InvalidArgumentError(
          "redis+sentinel:// needs the master's name: redis+sentinel://host:26379/mymaster");
    }
    o.sentinel_master = std::string(rest[0]);
    if (rest.size() > 1 && !rest[1].empty() && (!absl::SimpleAtoi(rest[1], &o.db) || o.db < 0)) {
      return absl::InvalidArgumentError(absl::StrCat("bad database number '", rest[1], "'"));
    }
    for (absl::string_view hp : absl::StrSplit(hp_db[0], ',', absl::SkipEmpty())) {
      size_t colon = hp.rfind(':');
      int port = 26379;
      if (colon != absl::string_view::npos) {
        if (!absl::SimpleAtoi(hp.substr(colon + 1), &port) || port <= 0 || port > 65535) {
          return absl::InvalidArgumentError(
              absl::StrCat("bad sentinel port '", hp.substr(colon + 1), "'"));
        }
        hp = hp.substr(0, colon);
      }
      if (hp.empty()) return absl::InvalidArgumentError("missing sentinel host");
      o.sentinels.emplace_back(std::string(hp), port);
    }
    if (o.sentinels.empty())
      return absl::InvalidArgumentError("redis+sentinel:// needs at least one sentinel");
    o.host.clear();
    return o;
  }
  if (hp_db.size() > 1 && !hp_db[1].empty()) {
    if (!absl::SimpleAtoi(hp_db[1], &o.db) || o.db < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad database number '", hp_db[1], "'"));
    }
  }
  absl::string_view hp = hp_db[0];
  size_t colon = hp.rfind(':');
  if (colon != absl::string_view::npos) {
    if (!absl::SimpleAtoi(hp.substr(colon + 1), &o.port) || o.port <= 0 || o.port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("bad port '", hp.substr(colon + 1), "'"));
    }
    hp = hp.substr(0, colon);
  }
  if (hp.empty()) return absl::InvalidArgumentError("missing host");
  o.host = std::string(hp);
  return o;
}

// ---------------------------------------------------------------- Connection

Connection::Connection(Options options) : options_(std::move(options)) {
  // hiredis writes with write(2): a peer that went away would raise SIGPIPE and kill the
  // process. Every Lobby process wants EPIPE instead, so it is ignored once, process-wide.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { signal(SIGPIPE, SIG_IGN); });
}
Connection::~Connection() { Close(); }

void Connection::Close() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
  current_timeout_ = absl::ZeroDuration();
}

void Connection::SetTimeout(absl::Duration d) {
  if (d == current_timeout_) return;
  redisSetTimeout(ctx_, absl::ToTimeval(d));
  current_timeout_ = d;
}

absl::StatusOr<std::pair<std::string, int>> Connection::AskSentinels() {
  std::string errors;
  for (const auto& [host, port] : options_.sentinels) {
    Options one;
    one.host = host;
    one.port = port;
    one.password = options_.sentinel_password;
    one.connect_timeout = options_.connect_timeout;
    one.command_timeout = options_.connect_timeout;
    Connection sentinel(one);
    auto r = sentinel.Command({"SENTINEL", "get-master-addr-by-name", options_.sentinel_master});
    int master_port = 0;
    if (r.ok() && r->elements.size() == 2 && absl::SimpleAtoi(r->elements[1].str, &master_port)) {
      return std::pair{r->elements[0].str, master_port};
    }
    absl::StrAppend(
        &errors, errors.empty() ? "" : "; ", host, ":", port, ": ",
        r.ok() ? "does not know master '" + options_.sentinel_master + "'" : r.status().message());
  }
  return absl::UnavailableError(
      absl::StrCat("redis: no sentinel gave the master's address (", errors, ")"));
}

absl::Status Connection::Connect() {
  Close();
  std::string host = options_.host;
  int port = options_.port;
  if (!options_.sentinels.empty()) {
    LOBBY_ASSIGN_OR_RETURN(auto master, AskSentinels());
    std::tie(host, port) = master;
  }
  timeval tv = absl::ToTimeval(options_.connect_timeout);
  redisContext* c = options_.unix_socket ? redisConnectUnixWithTimeout(options_.path.c_str(), tv)
                                         : redisConnectWithTimeout(host.c_str(), port, tv);
  if (c == nullptr) return absl::UnavailableError("redis: cannot allocate a context");
  if (c->err) {
    std::string err = c->errstr;
    redisFree(c);
    return absl::UnavailableError(absl::StrCat("redis: connect failed: ", err));
  }
  ctx_ = c;
  SetTimeout(options_.command_timeout);
  std::vector<Args> setup;
  if (!options_.password.empty()) {
    setup.push_back(options_.user.empty() ? Args{"AUTH", options_.password}
                                          : Args{"AUTH", options_.user, options_.password});
  }
  if (options_.db != 0) setup.push_back({"SELECT", std::to_string(options_.db)});
  // Sentinel's answer can be stale for a moment during a failover: insist on the master.
  if (!options_.sentinels.empty()) setup.push_back({"ROLE"});
  if (setup.empty()) return absl::OkStatus();
  LOBBY_ASSIGN_OR_RETURN(auto replies, Run(setup));
  for (const Reply& r : replies) {
    if (r.IsError()) {
      Close();
      return absl::UnavailableError(absl::StrCat("redis: setup failed: ", r.str));
    }
  }
  if (!options_.sentinels.empty()) {
    const Reply& role = replies.back();
    if (role.elements.empty() || role.elements[0].str != "master") {
      Close();
      return absl::UnavailableError(
          absl::StrCat("redis: ", host, ":", port, " is not the master of '",
                       options_.sentinel_master, "' (a failover in progress?)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Reply>> Connection::Run(const std::vector<Args>& commands,
                                                   absl::Duration timeout) {
  if (!ctx_) {
    LOBBY_RETURN_IF_ERROR(Connect());
  }
  SetTimeout(timeout > absl::ZeroDuration() ? timeout : options_.command_timeout);
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const Args& cmd : commands) {
    argv.clear();
    lens.clear();
    for (const std::string& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      std::string err = ctx_->errstr;
      Close();
      return absl::UnavailableError(absl::StrCat("redis: ", err));
    }
  }
  std::vector<Reply> out;
  out.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      bool timed_out = ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
      std::string err = ctx_->errstr;
      Close();
      if (timed_out) return absl::DeadlineExceededError("redis: command timed out");
      return absl::UnavailableError(absl::StrCat("redis: ", err.empty() ? "connection lost" : err));
    }
    out.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  // A master demoted by a failover answers writes with READONLY: reconnect, via the sentinels,
  // for the next call. (This call's caller sees the error and retries as for any other.)
  if (!options_.sentinels.empty()) {
    for (const Reply& r : out) {
      if (r.IsError() && absl::StartsWith(r.str, "READONLY")) {
        Close();
        break;
      }
    }
  }
  return out;
}

absl::StatusOr<Reply> Connection::Command(const Args& args, absl::Duration timeout) {
  LOBBY_ASSIGN_OR_RETURN(auto r, Run({args}, timeout));
  LOBBY_RETURN_IF_ERROR(ReplyStatus(r[0]));
  return std::move(r[0]);
}

// ---------------------------------------------------------------- Script

Script::Script(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  static const char* kHex = "0123456789abcdef";
  for (unsigned char b : digest) {
    sha_.push_back(kHex[b >> 4]);
    sha_.push_back(kHex[b & 15]);
  }
}

// ---------------------------------------------------------------- Client

Client::Client(Options options) : options_(std::move(options)) {
  for (int i = 0; i < std::max(1, options_.pool_size); ++i) {
    writers_.emplace_back([this, i] { WriterLoop(i); });
  }
}

Client::~Client() { Stop(); }

void Client::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && writers_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : writers_) t.join();
  writers_.clear();
  std::deque<Request> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queue_);
  }
  for (Request& r : left) std::move(r.done)(absl::UnavailableError("redis client stopped"));
}

void Client::RunAsync(std::vector<Args> commands, Callback done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(Request{std::move(commands), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  std::move(done)(absl::UnavailableError("redis client stopped"));
}

void Client::WriterLoop(int index) {
  auto logger = log::Get("redis");
  Connection conn(options_);
  constexpr size_t kMaxBatchCommands = 1024;
  absl::Duration backoff = absl::Milliseconds(50);
  absl::Time next_attempt = absl::InfinitePast();
  bool was_down = false;
  std::vector<Request> batch;
  std::vector<Args> commands;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      size_t n = 0;
      while (!queue_.empty() &&
             (batch.empty() || n + queue_.front().commands.size() <= kMaxBatchCommands)) {
        n += queue_.front().commands.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (!queue_.empty()) cv_.notify_one();  // let another writer take the rest
    }
    if (!conn.connected()) {
      absl::Status s = absl::Now() < next_attempt
                           ? absl::UnavailableError("redis unreachable (reconnecting)")
                           : conn.Connect();
      if (!s.ok()) {
        if (absl::Now() >= next_attempt) {
          errors_.fetch_add(1, std::memory_order_relaxed);
          if (!was_down)
            logger->error("event=redis_down writer={} error=\"{}\"", index, s.message());
          was_down = true;
          next_attempt = absl::Now() + backoff;
          backoff = std::min(backoff * 2, absl::Seconds(2));
        }
        for (Request& r : batch) std::move(r.done)(s);
        continue;
      }
      if (was_down) logger->info("event=redis_up writer={}", index);
      was_down = false;
      backoff = absl::Milliseconds(50);
    }
    commands.clear();
    for (Request& r : batch) {
      for (Args& a : r.commands) commands.push_back(std::move(a));
    }
    auto replies = conn.Run(commands);
    if (!replies.ok()) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      logger->error("event=redis_error writer={} error=\"{}\"", index, replies.status().message());
      for (Request& r : batch) std::move(r.done)(replies.status());
      continue;
    }
    size_t pos = 0;
    for (Request& r : batch) {
      size_t n = r.commands.size();
      std::vector<Reply> mine(std::make_move_iterator(replies->begin() + pos),
                              std::make_move_iterator(replies->begin() + pos + n));
      pos += n;
      std::move(r.done)(std::move(mine));
    }
  }
}

absl::StatusOr<std::vector<Reply>> Client::Run(std::vector<Args> commands) {
  absl::Notification done;
  absl::StatusOr<std::vector<Reply>> result;
  RunAsync(std::move(commands), [&](absl::StatusOr<std::vector<Reply>> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

absl::StatusOr<Reply> Client::Command(Args args) {
  std::vector<Args> cmds;
  cmds.push_back(std::move(args));
  LOBBY_ASSIGN_OR_RETURN(auto r, Run(std::move(cmds)));
  LOBBY_RETURN_IF_ERROR(ReplyStatus(r[0]));
  return std::move(r[0]);
}

absl::StatusOr<std::vector<Reply>> Client::Transaction(std::vector<Args> commands) {
  commands.insert(commands.begin(), Args{"MULTI"});
  commands.push_back({"EXEC"});
  LOBBY_ASSIGN_OR_RETURN(auto r, Run(std::move(commands)));
  for (size_t i = 0; i + 1 < r.size(); ++i) {
    LOBBY_RETURN_IF_ERROR(ReplyStatus(r[i]));  // queued command rejected
  }
  Reply& exec = r.back();
  LOBBY_RETURN_IF_ERROR(ReplyStatus(exec));
  if (exec.IsNil()) return absl::AbortedError("redis transaction aborted");
  for (const Reply& e : exec.elements) {
    LOBBY_RETURN_IF_ERROR(ReplyStatus(e));
  }
  return std::move(exec.elements);
}

absl::StatusOr<Reply> Client::Eval(const Script& script, const Args& keys, const Args& args) {
  Args cmd{"EVALSHA", script.sha(), std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  LOBBY_ASSIGN_OR_RETURN(auto r, Run({cmd}));
  Reply& reply = r[0];
  if (reply.IsError() && absl::StartsWith(reply.str, "NOSCRIPT")) {
    cmd[0] = "EVAL";
    cmd[1] = script.source();
    LOBBY_ASSIGN_OR_RETURN(r, Run({std::move(cmd)}));
  }
  LOBBY_RETURN_IF_ERROR(ReplyStatus(r[0]));
  return std::move(r[0]);
}

absl::StatusOr<std::vector<Reply>> Client::EvalMany(
    const Script& script, const std::vector<std::pair<Args, Args>>& calls) {
  std::vector<Args> cmds;
  cmds.reserve(calls.size());
  for (const auto& [keys, args] : calls) {
    Args cmd{"EVALSHA", script.sha(), std::to_string(keys.size())};
    cmd.insert(cmd.end(), keys.begin(), keys.end());
    cmd.insert(cmd.end(), args.begin(), args.end());
    cmds.push_back(std::move(cmd));
  }
  if (cmds.empty()) return std::vector<Reply>{};
  LOBBY_ASSIGN_OR_RETURN(auto r, Run(cmds));
  bool noscript = false;
  for (const Reply& reply : r)
    noscript |= reply.IsError() && absl::StartsWith(reply.str, "NOSCRIPT");
  if (!noscript) return r;
  if (auto load = Command({"SCRIPT", "LOAD", script.source()}); !load.ok()) return load.status();
  return Run(std::move(cmds));
}

}  // namespace lobby::redis
