#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lobby::hotline {

/// One AMI message: "Key: Value" lines, in order (keys may repeat).
struct AmiMessage {
  std::vector<std::pair<std::string, std::string>> fields;
  /// The first value of `key` (case-insensitive, as Asterisk's keys are), or "".
  std::string Get(absl::string_view key) const;
};

/// Splits the AMI byte stream into messages: lines end with CRLF (a bare LF is accepted too),
/// a message ends with an empty line. The banner ("Asterisk Call Manager/x.y") is the first
/// line and has no empty line after it: `banner()` has it once read.
class AmiReader {
 public:
  /// Appends bytes; complete messages come out of Next().
  void Feed(absl::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }
  bool Next(AmiMessage* out);
  const std::string& banner() const { return banner_; }
  size_t buffered() const { return buffer_.size(); }

 private:
  std::string buffer_;
  std::string banner_;
  bool banner_read_ = false;
};

/// "Action: Login\r\nKey: Value\r\n...\r\n\r\n".
std::string AmiAction(const std::vector<std::pair<std::string, std::string>>& fields);

struct AmiConfig {
  std::string host = "127.0.0.1";
  int port = 5038;
  std::string username;
  std::string secret;
  absl::Duration min_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
  /// A Ping this often; a Ping not answered within as long drops the session (a reconnect
  /// follows). Other traffic does not count: a half-open peer may still trickle bytes.
  absl::Duration ping_every = absl::Seconds(20);
};

/// A client of the Asterisk Manager Interface: connects over TCP, reads the banner, logs in
/// (Events: on), and hands every event to `on_event` on its own thread, one at a time, in
/// order. A dropped connection, a refused login or a silent peer is retried with exponential
/// backoff from min_backoff to max_backoff, reset once logged in.
class AmiClient {
 public:
  using Handler = std::function<void(const AmiMessage&)>;
  AmiClient(AmiConfig config, Handler on_event)
      : config_(std::move(config)), on_event_(std::move(on_event)) {}
  ~AmiClient() { Stop(); }

  void Start();
  void Stop();
  bool logged_in() const { return logged_in_; }
  int sessions() const { return sessions_; }  // how many times it logged in

 private:
  void Loop();
  /// One connection, until it drops or Stop(); true when it logged in.
  bool Session(int fd);
  void Wait(absl::Duration d);

  AmiConfig config_;
  Handler on_event_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  int fd_ = -1;
  std::atomic<bool> logged_in_{false};
  std::atomic<int> sessions_{0};
};

}  // namespace lobby::hotline
