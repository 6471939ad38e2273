#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "services/common/feed.h"
#include "services/common/status.h"

namespace lobby {

/// The writing half of a server-streaming reactor that follows a feed: events are queued under
/// `mu_` (out_.push_back, then Pump()), written one at a time, and End() finishes the stream
/// once the write in flight is done. Subclasses fill the queue and implement OnDone().
template <typename Event>
class WriteQueueReactor : public grpc::ServerWriteReactor<Event> {
 public:
  void End(grpc::Status status) {
    std::lock_guard lock(mu_);
    EndLocked(std::move(status));
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    if (finishing_) {
      if (!finish_called_) {
        finish_called_ = true;
        this->Finish(final_);
      }
      return;
    }
    Pump();
  }

  void OnCancel() override { End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")); }

 protected:
  /// With `mu_` held.
  void EndLocked(grpc::Status status) {
    if (finishing_) return;
    finishing_ = true;
    final_ = std::move(status);
    if (!writing_) {
      finish_called_ = true;
      this->Finish(final_);
    }
  }

  /// Starts the next write, unless one is in flight. With `mu_` held.
  void Pump() {
    if (finishing_ || writing_ || out_.empty()) return;
    current_ = std::move(out_.front());
    out_.pop_front();
    writing_ = true;
    this->StartWrite(&current_);
  }

  std::mutex mu_;
  std::deque<Event> out_;  // waiting to be written
  bool finishing_ = false;

 private:
  Event current_;  // being written
  bool writing_ = false, finish_called_ = false;
  grpc::Status final_;
};

/// A service's open streams, so that shutdown can end them all (UNAVAILABLE: clients reconnect
/// to another server). Once EndAll() has run, Add() refuses new ones.
template <typename Reactor>
class OpenStreams {
 public:
  /// False when the service is ending: the caller ends the new stream itself.
  bool Add(Reactor* stream) {
    std::lock_guard lock(mu_);
    if (ending_) return false;
    streams_.insert(stream);
    return true;
  }
  void Remove(Reactor* stream) {
    std::lock_guard lock(mu_);
    streams_.erase(stream);
  }
  void EndAll(const std::string& message) {
    std::lock_guard lock(mu_);
    ending_ = true;
    for (Reactor* s : streams_) s->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, message));
  }

 private:
  std::mutex mu_;
  std::set<Reactor*> streams_;
  bool ending_ = false;
};

/// A stream's place among its service's open streams and on the feed it follows.
template <typename Reactor>
class Following {
 public:
  /// Joins `streams` and subscribes `sink` to `feed`; or finishes `reactor` with `error`, or
  /// UNAVAILABLE while the service is ending, and returns false.
  bool Start(Reactor* reactor, const absl::Status& error, OpenStreams<Reactor>& streams, Feed& feed,
             Feed::Sink sink) {
    if (!error.ok()) {
      reactor->End(ToGrpcStatus(error));
      return false;
    }
    if (!streams.Add(reactor)) {
      reactor->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
      return false;
    }
    reactor_ = reactor;
    streams_ = &streams;
    feed_ = &feed;
    subscription_ = feed.Subscribe(std::move(sink));
    return true;
  }
  /// In OnDone: no more entries from the feed, and out of the open streams.
  void Stop() {
    if (!feed_) return;
    feed_->Unsubscribe(subscription_);
    streams_->Remove(reactor_);
    feed_ = nullptr;
  }

 private:
  Reactor* reactor_ = nullptr;
  OpenStreams<Reactor>* streams_ = nullptr;
  Feed* feed_ = nullptr;
  uint64_t subscription_ = 0;
};

}  // namespace lobby
