// ResidentService over loopback gRPC with many calls in flight: CreateResident and
// ResolveIdentity rates and latencies, against an in-process lobbyd and a real redis-server.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "bench/bench_util.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/log.h"
#include "tests/support/harness.h"

using namespace lobby;

namespace {

// Runs `total` calls with `in_flight` outstanding at a time; `start_call(i, done)` starts call i
// and must invoke done(ok) when it completes.
template <typename StartCall>
std::vector<double> Drive(int total, int in_flight, StartCall start_call, int* failures) {
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int> next{0};
  int finished = 0;
  std::vector<double> lat(total);
  std::function<void()> launch = [&] {
    int i = next.fetch_add(1);
    if (i >= total) return;
    auto t0 = bench::Clock::now();
    start_call(i, [&, i, t0](bool ok) {
      lat[i] = bench::Seconds(t0, bench::Clock::now()) * 1000;
      if (!ok) __atomic_add_fetch(failures, 1, __ATOMIC_RELAXED);
      launch();
      std::lock_guard lock(mu);
      if (++finished == total) cv.notify_all();
    });
  };
  for (int k = 0; k < in_flight; ++k) launch();
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return finished == total; });
  return lat;
}

}  // namespace

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 20000;
  int in_flight = 64;
  lobby::log::Init("text", "warn").IgnoreError();
  lobby::testing::RedisServer redis;
  lobby::testing::Harness lobbyd(redis, SystemClock::Get(), bench::ExtraFlags());
  auto stub = v1::ResidentService::NewStub(lobbyd.channel);
  std::printf("ResidentService over loopback: %d calls, %d in flight\n", total, in_flight);

  struct Call {
    grpc::ClientContext ctx;
    v1::CreateResidentRequest create;
    v1::LinkIdentityRequest link;
    v1::ResolveIdentityRequest resolve;
    v1::Resident resident;
    v1::ResolveIdentityResponse resolved;
  };
  auto make_ctx = [](grpc::ClientContext& ctx) {
    PrepareClientContext(ctx, lobby::testing::kAdminToken, absl::Seconds(30));
  };

  int failures = 0;
  auto t0 = bench::Clock::now();
  auto lat = Drive(
      total, in_flight,
      [&](int i, auto done) {
        auto* c = new Call;
        make_ctx(c->ctx);
        auto* r = c->create.mutable_resident();
        r->set_name("Bench Resident");
        r->add_phones("+852" + std::to_string(61000000 + i));
        r->mutable_unit()->set_site_id("bench");
        r->mutable_unit()->set_building("Tower " + std::to_string(1 + i % 4));
        r->mutable_unit()->set_floor(std::to_string(1 + i % 40));
        r->mutable_unit()->set_room(std::string(1, static_cast<char>('A' + i % 8)));
        r->set_role(v1::RESIDENT_ROLE_OWNER);
        stub->async()->CreateResident(&c->ctx, &c->create, &c->resident, [c, done](grpc::Status s) {
          delete c;
          done(s.ok());
        });
      },
      &failures);
  bench::Report("CreateResident", total, bench::Seconds(t0, bench::Clock::now()), lat);

  // One identity per resident, then resolve them.
  Drive(
      total, in_flight,
      [&](int i, auto done) {
        auto* c = new Call;
        make_ctx(c->ctx);
        c->link.set_resident_id("RS-" + std::to_string(10001 + i));
        c->link.set_channel(v1::CHANNEL_TELEGRAM);
        c->link.set_external_id(std::to_string(7000000 + i));
        stub->async()->LinkIdentity(&c->ctx, &c->link, &c->resident, [c, done](grpc::Status s) {
          delete c;
          done(s.ok());
        });
      },
      &failures);
  t0 = bench::Clock::now();
  lat = Drive(
      total, in_flight,
      [&](int i, auto done) {
        auto* c = new Call;
        make_ctx(c->ctx);
        c->resolve.set_channel(v1::CHANNEL_TELEGRAM);
        c->resolve.set_external_id(std::to_string(7000000 + (i * 7919) % total));
        stub->async()->ResolveIdentity(&c->ctx, &c->resolve, &c->resolved,
                                       [c, done](grpc::Status s) {
                                         delete c;
                                         done(s.ok());
                                       });
      },
      &failures);
  bench::Report("ResolveIdentity", total, bench::Seconds(t0, bench::Clock::now()), lat);
  if (failures) std::printf("FAILED calls: %d\n", failures);
  return failures ? 1 : 0;
}
