#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/executor.h"
#include "services/common/redis.h"

namespace lobby::queue {

/// The shared streams of DESIGN.md.
inline constexpr char kTicketsStream[] = "lobby:q:tickets";
inline constexpr char kDeadLetterStream[] = "lobby:q:dlq";
/// "lobby:q:outbound:sms", "lobby:q:outbound:telegram", ...
std::string OutboundStream(absl::string_view channel);

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Entry {
  std::string id;
  Fields fields;
  int64_t deliveries = 1;  // how often this entry has been handed to a consumer, this time included
  /// The value of `key`, or "" when absent.
  absl::string_view Get(absl::string_view key) const;
};

/// XADD arguments (auto id, no MAXLEN: streams with pending work are never trimmed), for a
/// MULTI or a redis::Txn that writes a record and its event together.
redis::Args XAddArgs(absl::string_view stream, const Fields& fields);
/// Fields packed into one string ("key\x1fvalue\x1e..."), for a hash value or one entry field
/// (a message's buttons, a held notice); Unpack drops a part without its separator.
std::string PackFields(const Fields& fields);
Fields UnpackFields(absl::string_view packed);
/// The data of a staff member's button on an outbound message, "job:R-10042:ack": dispatch
/// puts them on its pushes, the chat acts on them for the member (docs/adapters/chatbot.md).
std::string JobButton(absl::string_view ticket, absl::string_view verb);
/// Appends one entry; returns its id.
absl::StatusOr<std::string> Publish(redis::Client& client, absl::string_view stream,
                                    const Fields& fields);

struct ConsumerOptions {
  std::string stream;
  std::string group;
  std::string consumer;  // unique per process: a restarted process with the same name replays
                         // its own pending entries first
  int batch = 64;
  absl::Duration block = absl::Seconds(1);
  absl::Duration claim_idle = absl::Seconds(60);  // take over entries pending this long
  int max_deliveries = 5;
  std::string dead_letter_stream = kDeadLetterStream;
  /// Entries of one batch handled at once by this many threads. Entries with the same value of
  /// `shard_field` go to the same thread, in stream order, so per-ticket order holds.
  int parallel = 1;
  std::string shard_field = "ticket_id";
};

/// Return OK when the entry's work is durable (then it is acked); any error leaves it pending
/// for a later delivery, except a Permanent() one, which goes to the dead-letter stream at
/// once. Handlers must be idempotent: delivery is at-least-once.
using Handler = std::function<absl::Status(const Entry&)>;

/// Marks an error that no retry can mend (a provider refused the message for good).
absl::Status Permanent(absl::Status status);
bool IsPermanent(const absl::Status& status);

/// A consumer-group reader on its own connection and thread:
///  1. creates the group (MKSTREAM, from the start of the stream) if missing;
///  2. replays its own pending entries (a restart finishes what it had read);
///  3. reads new entries with BLOCK; every claim_idle/2 takes over entries idle longer than
///     claim_idle from any consumer (XAUTOCLAIM), which is also how failed entries are retried;
///  4. hands a batch's entries to the handler, `parallel` at a time (sharded, see above);
///     XACKs only after the handler succeeded; an entry that failed max_deliveries times goes to
///     the dead-letter stream with its reason and is acked, in one MULTI/EXEC.
/// Stop() lets the entry in hand finish and be acked, then returns.
class Consumer {
 public:
  Consumer(redis::Options redis, ConsumerOptions options, Handler handler);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  void Start();
  void Stop();

  uint64_t handled() const { return handled_.load(); }
  uint64_t failed() const { return failed_.load(); }
  uint64_t dead_lettered() const { return dead_lettered_.load(); }
  const ConsumerOptions& options() const { return options_; }

 private:
  void Loop();
  absl::Status EnsureGroup();
  absl::Status ReplayPending();
  absl::Status Claim();
  absl::Status ReadNew();
  absl::Status FillDeliveries(std::vector<Entry>& entries);
  absl::Status Process(std::vector<Entry>& entries);

  /// The handler's outcome for each entry (OK for entries not to handle).
  std::vector<absl::Status> HandleAll(const std::vector<Entry>& entries,
                                      const std::vector<bool>& todo);

  redis::Connection conn_;
  /// Removes the group's other consumers that have nothing pending and were silent for ten
  /// times claim_idle (the consumers of processes that are gone).
  absl::Status RemoveIdleConsumers();
  ConsumerOptions options_;
  Handler handler_;
  std::unique_ptr<Executor> lanes_;  // parallel > 1
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::atomic<uint64_t> handled_{0}, failed_{0}, dead_lettered_{0};
  absl::Time next_claim_ = absl::InfinitePast();
};

/// Parses XREADGROUP / XRANGE style entries ([id, [k, v, ...]], ...). Entries whose fields are
/// nil (deleted from the stream) come back with no fields.
std::vector<Entry> ParseEntries(const redis::Reply& list);

}  // namespace lobby::queue
