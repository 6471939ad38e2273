// The demo's history (lobbyctl demo simulate on lobbyd --demo-clock): the dashboard's
// pre-aggregated counters say what a brute force over every ticket and survey says.
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/demo.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "services/common/proto_util.h"
#include "services/common/queue.h"
#include "tests/support/lobbyd_processes.h"

namespace lobby {
namespace {

using testing::BinDir;

constexpr char kAdmin[] = "e2e-demo-admin-token-0123456789";
constexpr char kManager[] = "e2e-demo-manager-token-0123456789";

class DemoHistoryTest : public testing::LobbydProcesses {
 protected:
  void SetUp() override {
    LobbydProcesses::SetUp();
    std::ofstream(dir_ + "/tokens")
        << "admin " << kAdmin << " e2e-admin\nmanager " << kManager << " e2e-manager\n";
    StartLobbyd("lobbyd", {"--services=all", "--demo-clock=-91d"},
                {{"LOBBY_GRPC_LISTEN", "127.0.0.1:0"},
                 {"LOBBY_HTTP_LISTEN", "127.0.0.1:0"},
                 {"LOBBY_TOKENS_FILE", dir_ + "/tokens"},
                 {"LOBBY_LOG_LEVEL", "warn"}});
    addr_ = GrpcOf("lobbyd");
  }
  testing::ProcessResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), BinDir() + "/lobbyctl");
    return testing::Run(args, {{"LOBBY_ADDR", addr_}, {"LOBBY_TOKEN", kAdmin}}, "",
                        /*timeout_seconds=*/600);
  }
  template <typename Req, typename Resp, typename Stub, typename Method>
  Resp Call(Stub& stub, Method method, const Req& req) {
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, kAdmin, absl::Seconds(30));
    Resp resp;
    grpc::Status s = (stub.*method)(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }
  std::string addr_;
};

/// What one month of the estate's calendar adds up to, counted ticket by ticket.
struct Month {
  int64_t volume = 0, resolved = 0, reopened = 0, clocked = 0, breached = 0, ftf = 0,
          resolved_first = 0, sent = 0, responses = 0, follow_ups = 0;
  int64_t scores[5] = {0, 0, 0, 0, 0};
  std::vector<double> ack, arrive, resolve;  // seconds from report, by the month of the step
};

/// Whether `minutes`, a median read from the counters' histogram, is the median of `seconds`:
/// in the 10% bucket of one of the two middle values.
bool IsMedian(double minutes, std::vector<double> seconds) {
  if (seconds.empty()) return minutes == 0;
  std::sort(seconds.begin(), seconds.end());
  double lo = seconds[(seconds.size() - 1) / 2], hi = seconds[seconds.size() / 2];
  return minutes * 60 >= lo / 1.1 - 1 && minutes * 60 <= hi * 1.1 + 1;
}

TEST_F(DemoHistoryTest, NinetyDaysOfCountersEqualABruteForceOverTheTickets) {
  std::string src = LOBBY_SOURCE_DIR;
  for (const std::string& f :
       {src + "/docs/examples/estate.yaml", src + "/docs/examples/surveys.yaml"})
    ASSERT_EQ(Ctl({"apply", "-f", f}).exit_code, 0) << f;
  ASSERT_EQ(Ctl({"residents", "import", src + "/scripts/demo/residents.csv"}).exit_code, 0);
  // Only admins move the clock.
  {
    auto clock = v1::DemoClockService::NewStub(Dial(addr_));
    v1::SetClockRequest req;
    *req.mutable_at() = ToTimestamp(absl::Now());
    v1::ClockState state;
    grpc::ClientContext ctx;
    PrepareClientContext(ctx, kManager, absl::Seconds(5));
    EXPECT_EQ(clock->SetClock(&ctx, req, &state).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  auto sim = Ctl({"demo", "simulate", "--site", "demo", "--days", "90", "-o", "json"});
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  EXPECT_NE(sim.out.find("\"failures\":0"), std::string::npos) << sim.out << sim.err;

  auto channel = Dial(addr_);
  auto clock = v1::DemoClockService::NewStub(channel);
  v1::ClockState state =
      Call<v1::GetClockRequest, v1::ClockState>(*clock, &v1::DemoClockService::Stub::GetClock, {});
  EXPECT_TRUE(state.released()) << "the clock is handed back to the system's";
  v1::SetClockRequest later;
  *later.mutable_at() = ToTimestamp(absl::Now() + absl::Hours(1));
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, kAdmin, absl::Seconds(5));
  EXPECT_EQ(clock->SetClock(&ctx, later, &state).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  absl::TimeZone tz;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Hong_Kong", &tz));
  auto month_of = [&](const google::protobuf::Timestamp& t) {
    return absl::CivilMonth(absl::ToCivilSecond(FromTimestamp(t), tz));
  };
  auto seconds = [](const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
    return absl::ToDoubleSeconds(FromTimestamp(b) - FromTimestamp(a));
  };
  std::map<absl::CivilMonth, Month> months;
  std::vector<v1::Ticket> tickets;
  auto repairs = v1::RepairService::NewStub(channel);
  auto complaints = v1::ComplaintService::NewStub(channel);
  for (bool complaint : {false, true}) {
    v1::ListTicketsRequest req;
    req.set_site_id("demo");
    req.set_page_size(100);
    do {
      auto page = complaint ? Call<v1::ListTicketsRequest, v1::ListTicketsResponse>(
                                  *complaints, &v1::ComplaintService::Stub::ListComplaints, req)
                            : Call<v1::ListTicketsRequest, v1::ListTicketsResponse>(
                                  *repairs, &v1::RepairService::Stub::ListRepairs, req);
      for (const auto& t : page.tickets()) tickets.push_back(t);
      req.set_page_token(page.next_page_token());
    } while (!req.page_token().empty());
  }
  ASSERT_GT(tickets.size(), 400u) << "about six reports a day";

  auto surveys = v1::SurveyService::NewStub(channel);
  int held = 0, reopened_tickets = 0, answered = 0;
  for (const v1::Ticket& listed : tickets) {
    // A list may leave out history; read each ticket whole.
    v1::GetTicketRequest get;
    get.set_id(listed.id());
    v1::Ticket t = listed.has_complaint()
                       ? Call<v1::GetTicketRequest, v1::Ticket>(
                             *complaints, &v1::ComplaintService::Stub::GetComplaint, get)
                       : Call<v1::GetTicketRequest, v1::Ticket>(
                             *repairs, &v1::RepairService::Stub::GetRepair, get);
    months[month_of(t.created_at())].volume++;
    if (!t.sla().policy().empty()) months[month_of(t.created_at())].clocked++;
    for (const auto& e : t.sla().events()) {
      if (e.kind() == "breach") {
        months[month_of(e.at())].breached++;
        break;
      }
    }
    bool acked = false, arrived = false, resolved_once = false, was_ftf = false, reopened = false;
    int visits = 0;
    for (const auto& h : t.history()) {
      if (h.from_status() == h.to_status()) continue;  // an assignment, a comment, ...
      Month& m = months[month_of(h.at())];
      switch (h.to_status()) {
        case v1::TICKET_STATUS_ACKNOWLEDGED:
          if (!acked && h.from_status() != v1::TICKET_STATUS_ON_HOLD) {
            acked = true;
            m.ack.push_back(seconds(t.created_at(), h.at()));
          }
          break;
        case v1::TICKET_STATUS_ON_SITE:
          ++visits;
          if (!arrived) {
            arrived = true;
            m.arrive.push_back(seconds(t.created_at(), h.at()));
          }
          break;
        case v1::TICKET_STATUS_ON_HOLD:
          ++held;
          break;
        case v1::TICKET_STATUS_RESOLVED:
          m.resolved++;
          if (!resolved_once) {
            resolved_once = true;
            m.resolved_first++;
            m.resolve.push_back(seconds(t.created_at(), h.at()));
            if (visits <= 1 && !reopened) {
              m.ftf++;
              was_ftf = true;
            }
          }
          break;
        case v1::TICKET_STATUS_REOPENED:
          m.reopened++;
          if (!reopened) ++reopened_tickets;
          reopened = true;
          if (was_ftf) {
            m.ftf--;
            was_ftf = false;
          }
          break;
        default:
          break;
      }
    }
    v1::GetSurveyRequest sreq;
    sreq.set_id("SV-" + t.id());
    v1::Survey s;
    grpc::ClientContext sctx;
    PrepareClientContext(sctx, kAdmin, absl::Seconds(10));
    if (!surveys->GetSurvey(&sctx, sreq, &s).ok()) continue;  // none: a guest, or cancelled early
    if (s.has_sent_at()) months[month_of(s.sent_at())].sent++;
    if (s.status() == v1::SURVEY_STATUS_ANSWERED) {
      Month& m = months[month_of(s.answered_at())];
      m.responses++;
      m.scores[s.answer().overall() - 1]++;
      if (s.answer().overall() <= 2) m.follow_ups++;
      ++answered;
    }
  }
  // The story has each kind of step in it.
  EXPECT_GT(held, 10);
  EXPECT_GT(reopened_tickets, 5);
  EXPECT_GT(answered, 200);

  v1::GetTrendsRequest req;
  req.set_site_id("demo");
  req.set_period(v1::PERIOD_MONTH);
  *req.mutable_from() = ToTimestamp(absl::FromCivil(months.begin()->first, tz));
  *req.mutable_to() = ToTimestamp(absl::FromCivil(months.rbegin()->first + 1, tz));
  auto trends =
      Call<v1::GetTrendsRequest, v1::Trends>(*surveys, &v1::SurveyService::Stub::GetTrends, req);
  ASSERT_EQ(trends.series_size(), 1);
  ASSERT_EQ(static_cast<size_t>(trends.series(0).points_size()), months.size());
  auto ratio = [](int64_t a, int64_t b) { return b == 0 ? 0.0 : double(a) / double(b); };
  for (const auto& p : trends.series(0).points()) {
    const Month& m = months[month_of(p.start())];
    const v1::Kpis& k = p.kpis();
    std::string when = absl::FormatCivilTime(month_of(p.start()));
    EXPECT_EQ(k.volume(), m.volume) << when;
    EXPECT_EQ(k.resolved(), m.resolved) << when;
    EXPECT_DOUBLE_EQ(k.reopen_rate(), ratio(m.reopened, m.resolved)) << when;
    EXPECT_DOUBLE_EQ(k.first_time_fix_rate(), ratio(m.ftf, m.resolved_first)) << when;
    EXPECT_DOUBLE_EQ(k.breach_rate(), ratio(m.breached, m.clocked)) << when;
    EXPECT_EQ(k.surveys_sent(), m.sent) << when;
    EXPECT_EQ(k.responses(), m.responses) << when;
    EXPECT_EQ(k.follow_ups(), m.follow_ups) << when;
    ASSERT_EQ(k.overall_distribution_size(), 5);
    int64_t sum = 0;
    for (int s = 0; s < 5; ++s) {
      EXPECT_EQ(k.overall_distribution(s), m.scores[s]) << when << " score " << s + 1;
      sum += (s + 1) * m.scores[s];
    }
    EXPECT_DOUBLE_EQ(k.csat(), ratio(sum, m.responses)) << when;
    EXPECT_TRUE(IsMedian(k.ack_p50_minutes(), m.ack)) << when << " " << k.ack_p50_minutes();
    EXPECT_TRUE(IsMedian(k.arrive_p50_minutes(), m.arrive))
        << when << " " << k.arrive_p50_minutes();
    EXPECT_TRUE(IsMedian(k.resolve_p50_minutes(), m.resolve))
        << when << " " << k.resolve_p50_minutes();
  }

  // On the 1st of each month the manager got the link to the month before's report (the demo's
  // survey settings name mak-mgr, whose channel is WhatsApp).
  std::set<std::string> reported;
  auto out = redis_.conn().Command({"XRANGE", "lobby:q:outbound:whatsapp", "-", "+"});
  ASSERT_TRUE(out.ok());
  for (const auto& e : queue::ParseEntries(*out)) {
    std::string text(e.Get("text"));
    if (e.Get("member") == "mak-mgr" && absl::StrContains(text, "/report?month="))
      reported.insert(text.substr(text.find("month=") + 6, 7));
  }
  std::string last_month =
      absl::FormatCivilTime(absl::CivilMonth(absl::ToCivilSecond(absl::Now(), tz)) - 1);
  EXPECT_TRUE(reported.count(last_month)) << last_month;
  EXPECT_GE(reported.size(), 2u) << "90 days hold two or three 1sts of a month";

  // The story the dashboard tells. One team is slower than the others, and rated lower.
  req.set_group_by("team");
  trends =
      Call<v1::GetTrendsRequest, v1::Trends>(*surveys, &v1::SurveyService::Stub::GetTrends, req);
  std::map<std::string, std::pair<int64_t, int64_t>> score_by_team;  // sum, responses
  std::map<std::string, double> slowest_month;                       // resolve p50
  for (const auto& series : trends.series()) {
    for (const auto& p : series.points()) {
      auto& [sum, n] = score_by_team[series.group()];
      for (int s = 0; s < 5; ++s) sum += (s + 1) * p.kpis().overall_distribution(s);
      n += p.kpis().responses();
      slowest_month[series.group()] =
          std::max(slowest_month[series.group()], p.kpis().resolve_p50_minutes());
    }
  }
  auto csat = [&](const std::string& team) {
    return ratio(score_by_team[team].first, score_by_team[team].second);
  };
  for (const char* team : {"plumbing", "maintenance", "cleaning", "security"}) {
    EXPECT_LT(csat("electrical") + 0.5, csat(team)) << team;
    EXPECT_GT(slowest_month["electrical"], slowest_month[team]) << team;
  }
  // One building's leaks keep coming back.
  auto faults = Call<v1::RepeatFaultsRequest, v1::RepeatFaultsResponse>(
      *surveys, &v1::SurveyService::Stub::RepeatFaults, [] {
        v1::RepeatFaultsRequest r;
        r.set_site_id("demo");
        return r;
      }());
  std::map<std::string, int> repeats;  // building -> tickets
  const v1::RepeatFault* worst = nullptr;
  for (const auto& f : faults.faults()) {
    repeats[f.unit().substr(0, f.unit().find('/'))] += f.tickets_size();
    if (worst == nullptr || f.tickets_size() > worst->tickets_size()) worst = &f;
  }
  ASSERT_NE(worst, nullptr);
  EXPECT_EQ(worst->unit().substr(0, 8), "Tower 2/") << worst->unit();
  EXPECT_EQ(worst->category(), "plumbing");
  EXPECT_GT(repeats["Tower 2"], repeats["Tower 1"]);
  // Satisfaction rises after the incident was handled well: the four weeks after it against
  // the four before.
  v1::ListIncidentsRequest incidents_req;
  incidents_req.set_site_id("demo");
  incidents_req.set_include_resolved(true);
  auto incidents = Call<v1::ListIncidentsRequest, v1::ListIncidentsResponse>(
      *repairs, &v1::RepairService::Stub::ListIncidents, incidents_req);
  ASSERT_EQ(incidents.incidents_size(), 1);
  absl::Time incident = FromTimestamp(incidents.incidents(0).created_at());
  auto csat_between = [&](absl::Time from, absl::Time to) {
    v1::GetTrendsRequest r;
    r.set_site_id("demo");
    r.set_period(v1::PERIOD_DAY);
    *r.mutable_from() = ToTimestamp(from);
    *r.mutable_to() = ToTimestamp(to);
    auto t =
        Call<v1::GetTrendsRequest, v1::Trends>(*surveys, &v1::SurveyService::Stub::GetTrends, r);
    int64_t sum = 0, n = 0;
    for (const auto& p : t.series(0).points()) {
      for (int s = 0; s < 5; ++s) sum += (s + 1) * p.kpis().overall_distribution(s);
      n += p.kpis().responses();
    }
    return ratio(sum, n);
  };
  absl::Time day = absl::FromCivil(absl::CivilDay(absl::ToCivilSecond(incident, tz)), tz);
  EXPECT_GT(csat_between(day + absl::Hours(24), day + absl::Hours(24 * 29)),
            csat_between(day - absl::Hours(24 * 28), day) + 0.4);
}

}  // namespace
}  // namespace lobby
