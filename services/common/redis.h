#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct redisContext;
struct redisReply;

namespace lobby::redis {

/// An owned copy of a RESP reply.
struct Reply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;              // kString, kStatus, kError
  long long integer = 0;        // kInteger
  std::vector<Reply> elements;  // kArray

  bool IsNil() const { return type == Type::kNil; }
  bool IsError() const { return type == Type::kError; }
};

using Args = std::vector<std::string>;

/// An error reply as a status. Lua scripts raise "LOBBY:<CODE>:<message>" (CODE one of
/// NOT_FOUND, ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION, INVALID_ARGUMENT,
/// RESOURCE_EXHAUSTED, PERMISSION_DENIED) to return that canonical code; anything else is
/// INTERNAL.
absl::Status ReplyStatus(const Reply& reply);

struct Options {
  bool unix_socket = false;
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string path;  // unix socket
  std::string user;  // ACL user, with password
  std::string password;
  int db = 0;
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration command_timeout = absl::Seconds(5);
  int pool_size = 2;  // connections, one writer thread each
  /// With Sentinel: the sentinels to ask, in order, for the current master of `sentinel_master`
  /// (host and port above are then ignored). Asked again on every reconnect, so a failover is
  /// followed; a connection that finds itself on a replica (READONLY) is dropped and redone.
  std::vector<std::pair<std::string, int>> sentinels;
  std::string sentinel_master;
  std::string sentinel_password;  // when the sentinels themselves require AUTH
};

/// "redis://[[user]:password@]host[:port][/db]", "unix:///path/to.sock[?db=N&password=P]" or
/// "redis+sentinel://[[user]:password@]host:port[,host:port...]/master[/db][?sentinel_password=P]".
absl::StatusOr<Options> ParseUrl(absl::string_view url);

/// One connection, for one thread at a time (blocking reads of a queue consumer).
/// A transport error or timeout closes it; the next call reconnects.
class Connection {
 public:
  explicit Connection(Options options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Connects, authenticates and selects the database.
  absl::Status Connect();
  bool connected() const { return ctx_ != nullptr; }
  void Close();

  /// Sends every command in one write and reads every reply. Error replies are returned as
  /// replies; only transport failures are statuses (UNAVAILABLE / DEADLINE_EXCEEDED).
  /// `timeout` overrides the command timeout (for BLOCK reads); zero means the default.
  absl::StatusOr<std::vector<Reply>> Run(const std::vector<Args>& commands,
                                         absl::Duration timeout = absl::ZeroDuration());
  /// One command; an error reply becomes a status.
  absl::StatusOr<Reply> Command(const Args& args, absl::Duration timeout = absl::ZeroDuration());

 private:
  void SetTimeout(absl::Duration d);
  /// The master's address, from the first sentinel that knows it.
  absl::StatusOr<std::pair<std::string, int>> AskSentinels();
  Options options_;
  redisContext* ctx_ = nullptr;
  absl::Duration current_timeout_ = absl::ZeroDuration();
};

/// A Lua script called by SHA; loaded again after a NOSCRIPT (a Redis restart or flush).
class Script {
 public:
  explicit Script(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string source_;
  std::string sha_;
};

/// The thread-safe client every request path uses. `pool_size` writer threads each own a
/// connection; a writer takes everything queued so far and sends it in one pipelined round
/// trip, so many concurrent RPCs share round trips instead of each paying one. The commands
/// of one call stay together and in order on one connection (so MULTI...EXEC works).
/// While Redis is unreachable calls fail fast with UNAVAILABLE and the writers reconnect with
/// exponential backoff.
class Client {
 public:
  using Callback = absl::AnyInvocable<void(absl::StatusOr<std::vector<Reply>>) &&>;

  explicit Client(Options options);
  ~Client();  // Stop()
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Queues `commands`; `done` runs on a writer thread with their replies (error replies
  /// included) or a transport status. Keep `done` short: signal, don't work.
  void RunAsync(std::vector<Args> commands, Callback done);
  /// RunAsync and wait.
  absl::StatusOr<std::vector<Reply>> Run(std::vector<Args> commands);
  /// One command; an error reply becomes a status.
  absl::StatusOr<Reply> Command(Args args);
  /// MULTI, the commands, EXEC: the EXEC replies, or the first error among them as a status.
  absl::StatusOr<std::vector<Reply>> Transaction(std::vector<Args> commands);
  /// EVALSHA, and EVAL once more after NOSCRIPT; an error reply becomes a status.
  absl::StatusOr<Reply> Eval(const Script& script, const Args& keys, const Args& args);
  /// The same script for many (keys, args) pairs in one pipelined round trip. Error replies are
  /// returned as replies, one per call.
  absl::StatusOr<std::vector<Reply>> EvalMany(const Script& script,
                                              const std::vector<std::pair<Args, Args>>& calls);

  const Options& options() const { return options_; }
  /// Transport failures and connection errors since start (for /metrics).
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  /// Fails everything queued and joins the writers. Idempotent.
  void Stop();

 private:
  struct Request {
    std::vector<Args> commands;
    Callback done;
  };
  void WriterLoop(int index);

  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> errors_{0};
  std::vector<std::thread> writers_;
};

}  // namespace lobby::redis
