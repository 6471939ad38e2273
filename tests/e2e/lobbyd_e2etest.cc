// lobbyd and lobbyctl as separate processes, over real sockets, against a real redis-server.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace lobby {
namespace {

using testing::BinDir;
using testing::Child;
using testing::ProcessResult;
using testing::RedisServer;
using testing::WaitFor;

constexpr char kAdmin[] = "e2e-admin-token-0123456789";
constexpr char kTech[] = "e2e-tech-token-0123456789";

class LobbydTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lobby-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/tokens")
        << "# e2e\nadmin " << kAdmin << " e2e-admin\ntechnician " << kTech << " lee\n";
    lobbyd_ = Start({});
    ASSERT_TRUE(WaitFor([&] {
      return std::filesystem::exists(dir_ + "/ready") || !lobbyd_->Running();
    })) << Log();
    ASSERT_TRUE(lobbyd_->Running()) << Log();
    addr_ = testing::ReadyGrpcAddress(dir_ + "/ready");
  }
  void TearDown() override {
    lobbyd_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Child> Start(std::vector<std::string> extra, const std::string& name = "lobbyd") {
    std::vector<std::string> argv = {BinDir() + "/lobbyd", "--services=all", "--ready-file",
                                     dir_ + "/ready"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Child>(
        argv,
        std::map<std::string, std::string>{{"LOBBY_REDIS_URL", redis_.url()},
                                           {"LOBBY_GRPC_LISTEN", "127.0.0.1:0"},
                                           {"LOBBY_HTTP_LISTEN", "127.0.0.1:0"},
                                           {"LOBBY_TOKENS_FILE", dir_ + "/tokens"},
                                           {"LOBBY_LOG_FORMAT", "json"}},
        dir_ + "/" + name + ".log");
  }
  ProcessResult Ctl(std::vector<std::string> args, const std::string& token = kAdmin,
                    const std::string& input = "") {
    args.insert(args.begin(), BinDir() + "/lobbyctl");
    return testing::Run(args, {{"LOBBY_ADDR", addr_}, {"LOBBY_TOKEN", token}}, input);
  }
  std::string Log() { return testing::ReadFile(dir_ + "/lobbyd.log"); }

  RedisServer redis_;
  std::string dir_, addr_;
  std::unique_ptr<Child> lobbyd_;
};

TEST_F(LobbydTest, ResidentsThroughLobbyctl) {
  auto created =
      Ctl({"residents", "create",     "--name",  "陳大文",  "--phone", "9123 4567", "--site",
           "demo",      "--building", "Tower 1", "--floor", "12",      "--room",    "A",
           "--role",    "owner",      "--tag",   "elderly", "-o",      "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("\"id\":\"RS-10001\""), std::string::npos) << created.out;
  EXPECT_NE(created.out.find("\"+85291234567\""), std::string::npos);

  std::string csv_path = dir_ + "/residents.csv";
  std::ofstream(csv_path) << "name,phone,site,building,floor,room,role,language\n"
                             "Amy Wong,6123 4567,demo,Tower 2,3,B,tenant,en\n"
                             "Broken,12,demo,Tower 2,3,C,owner,en\n";
  auto imported = Ctl({"residents", "import", csv_path});
  EXPECT_EQ(imported.exit_code, 1) << "a rejected row makes the import exit non-zero";
  EXPECT_NE(imported.out.find("1 created, 0 updated, 0 unchanged, 1 rejected"), std::string::npos)
      << imported.out;

  auto list = Ctl({"residents", "list", "--site", "demo"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("陳大文"), std::string::npos);
  EXPECT_NE(list.out.find("Amy Wong"), std::string::npos);
  auto json = Ctl({"residents", "list", "--site", "demo", "--building", "Tower 2", "-o", "json"});
  EXPECT_EQ(json.out.rfind("{\"items\":[{", 0), 0u) << json.out;
  EXPECT_EQ(json.out.find("陳大文"), std::string::npos);

  ASSERT_EQ(Ctl({"residents", "link", "RS-10001", "--channel", "telegram", "--external-id", "42"})
                .exit_code,
            0);
  auto resolved = Ctl({"residents", "resolve", "--channel", "telegram", "--external-id", "42"});
  EXPECT_NE(resolved.out.find("RS-10001"), std::string::npos) << resolved.out;
  ASSERT_EQ(Ctl({"residents", "note", "RS-10001", "--text", "called about the lift"}).exit_code, 0);
  auto timeline = Ctl({"residents", "timeline", "RS-10001"});
  EXPECT_NE(timeline.out.find("called about the lift"), std::string::npos) << timeline.out;
}

TEST_F(LobbydTest, TicketsThroughLobbyctl) {
  auto classified = Ctl({"repairs", "classify", "--site", "demo", "--text", "有人困咗喺電梯"});
  EXPECT_NE(classified.out.find("lift_trapped"), std::string::npos) << classified.out;
  EXPECT_NE(classified.out.find("EMERGENCY"), std::string::npos);

  ASSERT_EQ(
      Ctl({"residents", "create", "--name", "陳大文", "--phone", "9123 4567", "--site", "demo",
           "--building", "Tower 1", "--floor", "12", "--room", "A", "--role", "owner"})
          .exit_code,
      0);  // RS-10001, the reporter
  auto created = Ctl({"repairs",
                      "create",
                      "--site",
                      "demo",
                      "--building",
                      "Tower 1",
                      "--floor",
                      "12",
                      "--room",
                      "A",
                      "--text",
                      "廚房水喉漏水",
                      "--channel",
                      "phone",
                      "--resident",
                      "RS-10001",
                      "--idempotency-key",
                      "call-42",
                      "-o",
                      "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("\"id\":\"R-10001\""), std::string::npos) << created.out;
  EXPECT_NE(created.out.find("\"category\":\"plumbing\""), std::string::npos);
  auto again = Ctl({"repairs",
                    "create",
                    "--site",
                    "demo",
                    "--building",
                    "Tower 1",
                    "--floor",
                    "12",
                    "--room",
                    "A",
                    "--text",
                    "廚房水喉漏水",
                    "--channel",
                    "phone",
                    "--resident",
                    "RS-10001",
                    "--idempotency-key",
                    "call-42",
                    "-o",
                    "json"});
  EXPECT_NE(again.out.find("\"id\":\"R-10001\""), std::string::npos)
      << "a retried call is the same ticket";

  ASSERT_EQ(
      Ctl({"repairs", "assign", "R-10001", "--team", "plumbing", "--assignee", "lee"}).exit_code,
      0);
  ASSERT_EQ(Ctl({"repairs", "ack", "R-10001"}, kTech).exit_code, 0);
  auto illegal = Ctl({"repairs", "resolve", "R-10001"}, kTech);
  EXPECT_EQ(illegal.exit_code, 1);
  EXPECT_NE(illegal.err.find("FAILED_PRECONDITION"), std::string::npos) << illegal.err;
  ASSERT_EQ(Ctl({"repairs", "arrive", "R-10001"}, kTech).exit_code, 0);
  ASSERT_EQ(Ctl({"repairs", "resolve", "R-10001", "--note", "washer replaced"}, kTech).exit_code,
            0);
  auto shown = Ctl({"repairs", "get", "R-10001"});
  EXPECT_NE(shown.out.find("resolved"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("washer replaced"), std::string::npos);
  auto listed = Ctl({"repairs", "list", "--site", "demo", "--status", "resolved"});
  EXPECT_NE(listed.out.find("R-10001"), std::string::npos) << listed.out;

  auto complaint =
      Ctl({"complaints", "create",   "--site",        "demo",     "--building", "Tower 1",
           "--floor",    "8",        "--room",        "C",        "--category", "noise",
           "--subject",  "noise",    "--description", "樓上好嘈", "--channel",  "line",
           "--resident", "RS-10001", "--anonymous"});
  ASSERT_EQ(complaint.exit_code, 0) << complaint.err;
  auto as_tech = Ctl({"complaints", "get", "C-10001"}, kTech);
  EXPECT_NE(as_tech.out.find("\nreporter     anonymous\n"), std::string::npos)
      << "no leading space\n"
      << as_tech.out;
  EXPECT_EQ(as_tech.out.find("RS-10001"), std::string::npos) << "hidden from the team";

  std::string catalog_path = dir_ + "/catalog.yaml";
  std::ofstream(catalog_path)
      << "categories:\n  - id: pool\n    kind: repair\n"
         "    names: {zh-Hant: 泳池, zh-Hans: 泳池, en: Pool}\n    default_priority: P3\n"
         "    keywords: [pool]\n";
  auto dry = Ctl({"apply", "-f", catalog_path, "--site", "harbour", "--dry-run"});
  EXPECT_NE(dry.out.find("dry run"), std::string::npos) << dry.out << dry.err;
  ASSERT_EQ(Ctl({"apply", "-f", catalog_path, "--site", "harbour"}).exit_code, 0);
  EXPECT_NE(Ctl({"catalog", "get", "--site", "harbour"}).out.find("pool"), std::string::npos);

  auto incident =
      Ctl({"incidents", "create", "--site", "demo", "--building", "Tower 2", "--category",
           "water_outage", "--auto-attach", "--title", "No water in Tower 2"});
  ASSERT_EQ(incident.exit_code, 0) << incident.err;
  EXPECT_NE(Ctl({"incidents", "list", "--site", "demo"}).out.find("I-10001"), std::string::npos);
}

TEST_F(LobbydTest, DispatchAssignsANewRepair) {
  std::string estate = dir_ + "/estate.yaml";
  std::ofstream(estate) << "site: demo\ntime_zone: Asia/Hong_Kong\nteams:\n  - {id: plumbing, "
                           "categories: [plumbing]}\n"
                           "members:\n  - {id: lee, teams: [plumbing], skills: {plumbing: 3}, "
                           "seniority: 3, capacity: 5, on_call: true}\n";
  auto dry = Ctl({"apply", "-f", estate, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("team plumbing added"), std::string::npos) << dry.out;
  ASSERT_EQ(Ctl({"apply", "-f", estate}).exit_code, 0);
  EXPECT_NE(Ctl({"estate", "get", "--site", "demo"}).out.find("lee"), std::string::npos);
  auto explained =
      Ctl({"dispatch", "explain", "--site", "demo", "--category", "plumbing", "--priority", "P2"});
  EXPECT_NE(explained.out.find("lee (plumbing)"), std::string::npos)
      << explained.out << explained.err;

  // lee watches his assignments live with lobbyctl.
  Child watcher({BinDir() + "/lobbyctl", "dispatch", "watch", "--member", "lee"},
                {{"LOBBY_ADDR", addr_}, {"LOBBY_TOKEN", kAdmin}}, dir_ + "/watch.log");
  absl::SleepFor(absl::Milliseconds(500));  // connected and reading from now on
  ASSERT_EQ(Ctl({"residents", "create", "--name", "Wong", "--phone", "9123 4568", "--site", "demo",
                 "--building", "Tower 1", "--floor", "3", "--room", "A", "--role", "tenant"})
                .exit_code,
            0);  // RS-10001, the reporter
  ASSERT_EQ(Ctl({"repairs", "create", "--site", "demo", "--building", "Tower 1", "--floor", "3",
                 "--room", "A", "--category", "plumbing", "--description", "toilet blocked",
                 "--channel", "sms", "--resident", "RS-10001"})
                .exit_code,
            0);
  std::string shown;
  ASSERT_TRUE(WaitFor([&] {
    shown = Ctl({"repairs", "get", "R-10001"}).out;
    return shown.find("assignee     lee") != std::string::npos;
  })) << shown;
  EXPECT_NE(shown.find("team plumbing covers plumbing"), std::string::npos)
      << "the reason is in the history";
  std::string watched;
  ASSERT_TRUE(WaitFor([&] {
    watched = testing::ReadFile(dir_ + "/watch.log");
    return watched.find("assigned  R-10001") != std::string::npos;
  })) << watched;
  EXPECT_NE(watched.find("plumbing  Tower 1  lee"), std::string::npos) << watched;
  watcher.Signal(SIGTERM);
  auto board = Ctl({"dispatch", "board", "--site", "demo", "--team", "plumbing"});
  EXPECT_NE(board.out.find("R-10001"), std::string::npos) << board.out << board.err;
  EXPECT_NE(board.out.find("lee 1/5"), std::string::npos) << board.out;
}

TEST_F(LobbydTest, FromAResolvedRepairToAnAnswerToATrendThatMoved) {
  std::string settings = dir_ + "/surveys.yaml";
  std::ofstream(settings) << "surveys:\n  site: demo\n  delay: 0m\n  units: {Tower 1: 200}\n";
  ASSERT_EQ(Ctl({"apply", "-f", settings}).exit_code, 0);
  ASSERT_EQ(Ctl({"residents", "create", "--name", "Wong", "--phone", "9123 4567", "--site", "demo",
                 "--building", "Tower 1", "--floor", "3", "--room", "A", "--role", "owner"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"repairs", "create", "--site", "demo", "--building", "Tower 1", "--floor", "3",
                 "--room", "A", "--category", "plumbing", "--description", "tap leaking",
                 "--channel", "sms", "--resident", "RS-10001"})
                .exit_code,
            0);
  ASSERT_EQ(
      Ctl({"repairs", "assign", "R-10001", "--team", "plumbing", "--assignee", "lee"}).exit_code,
      0);
  for (const char* action : {"ack", "arrive", "resolve"}) {
    auto r = Ctl({"repairs", action, "R-10001"});
    ASSERT_EQ(r.exit_code, 0) << action << ": " << r.err;
  }
  std::string today = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::LocalTimeZone());
  std::string tomorrow =
      absl::FormatTime("%Y-%m-%d", absl::Now() + absl::Hours(24), absl::LocalTimeZone());
  auto trend = [&] {
    return Ctl({"surveys", "trends", "--site", "demo", "--from", today, "--to", tomorrow,
                "--period", "day", "--metrics", "responses,csat", "--csv"})
        .out;
  };
  std::string before = trend();
  EXPECT_NE(before.find(",0,0"), std::string::npos) << before;
  std::string shown;
  ASSERT_TRUE(WaitFor([&] {
    shown = Ctl({"surveys", "get", "--ticket", "R-10001"}).out;
    return shown.find("sent") != std::string::npos;
  })) << shown;
  auto answered = Ctl({"surveys", "answer", "SV-R-10001", "--overall", "4", "--speed", "5",
                       "--attitude", "5", "--comment", "quick"});
  ASSERT_EQ(answered.exit_code, 0) << answered.err;
  std::string after = trend();
  EXPECT_NE(after.find(",1,4"), std::string::npos) << after;
  auto table = Ctl({"surveys", "trends", "--site", "demo", "--from", today, "--to", tomorrow,
                    "--period", "day"});
  EXPECT_NE(table.out.find("csat"), std::string::npos) << table.out;
  EXPECT_EQ(Ctl({"surveys", "answer", "SV-R-10001", "--overall", "1"}).exit_code, 1)
      << "one answer per ticket";
  // The scorecard names units and says whether a move is for the better.
  auto card = Ctl({"surveys", "scorecard", "--site", "demo", "--team", "plumbing", "--from", today,
                   "--to", today});
  ASSERT_EQ(card.exit_code, 0) << card.err;
  size_t csat = card.out.find("CSAT (1-5)");
  ASSERT_NE(csat, std::string::npos) << card.out;
  std::string row = card.out.substr(csat, card.out.find('\n', csat) - csat);
  EXPECT_NE(row.find("▲ up, better"), std::string::npos) << row;
  EXPECT_NE(card.out.find("resolve p50 (minutes)"), std::string::npos) << card.out;
}

// People read local time: tables show the estate's zone with its offset, times typed without
// an offset are the estate's, and a one-day range is that day of the estate's calendar.
TEST_F(LobbydTest, TimesAreTheEstatesLocalTime) {
  std::string estate = dir_ + "/estate.yaml", settings = dir_ + "/surveys.yaml";
  std::ofstream(estate)
      << "site: demo\ntime_zone: Asia/Hong_Kong\nteams:\n  - {id: plumbing, categories: "
         "[plumbing]}\n"
         "members:\n  - {id: lee, teams: [plumbing], capacity: 5, on_call: true}\n";
  std::ofstream(settings) << "surveys:\n  site: demo\n  time_zone: Asia/Hong_Kong\n  delay: 0m\n";
  ASSERT_EQ(Ctl({"apply", "-f", estate}).exit_code, 0);
  ASSERT_EQ(Ctl({"apply", "-f", settings}).exit_code, 0);
  ASSERT_EQ(Ctl({"residents", "create", "--name", "Wong", "--phone", "9123 4568", "--site", "demo",
                 "--building", "Tower 1", "--floor", "3", "--room", "A", "--role", "tenant"})
                .exit_code,
            0);
  ASSERT_EQ(Ctl({"repairs", "create", "--site", "demo", "--building", "Tower 1", "--floor", "3",
                 "--room", "A", "--category", "plumbing", "--description", "toilet blocked",
                 "--channel", "sms", "--resident", "RS-10001"})
                .exit_code,
            0);
  absl::TimeZone hk;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Hong_Kong", &hk));
  std::string day = absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), hk) + 2);
  auto visit =
      Ctl({"repairs", "visit", "R-10001", "--start", day + " 10:00", "--end", day + " 12:00"});
  ASSERT_EQ(visit.exit_code, 0) << visit.err;
  EXPECT_NE(visit.out.find(day + " 10:00 +08:00 - " + day + " 12:00 +08:00"), std::string::npos)
      << "typed without an offset: the estate's 10:00, shown as such\n"
      << visit.out;
  std::string created = absl::FormatTime("%Y-%m-%d %H:", absl::Now(), hk);
  EXPECT_NE(visit.out.find(created), std::string::npos) << "created in Hong Kong time\n"
                                                        << visit.out;
  auto json = Ctl({"repairs", "get", "R-10001", "-o", "json"});
  absl::Time start =
      absl::FromCivil(absl::CivilHour(absl::ToCivilDay(absl::Now(), hk) + 2) + 10, hk);
  EXPECT_NE(json.out.find(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", start, absl::UTCTimeZone())),
            std::string::npos)
      << "JSON keeps RFC 3339\n"
      << json.out;
  auto bad = Ctl({"repairs", "visit", "R-10001", "--start", "tomorrow", "--end", day + " 12:00"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("the estate's zone"), std::string::npos) << bad.err;

  // A resident's timeline is in their estate's time, like the ticket it tells of.
  std::string timeline;
  ASSERT_TRUE(WaitFor([&] {
    timeline = Ctl({"residents", "timeline", "RS-10001"}).out;
    return timeline.find("ticket.visit_proposed") != std::string::npos;
  })) << timeline;
  EXPECT_NE(timeline.find(created), std::string::npos) << timeline;
  EXPECT_NE(timeline.find("+08:00"), std::string::npos) << timeline;
  EXPECT_EQ(timeline.find("+00:00"), std::string::npos) << timeline;

  // The history's deadlines and the board's agree, both in local time with the offset.
  std::string shown;
  ASSERT_TRUE(WaitFor([&] {
    shown = Ctl({"dispatch", "board", "--site", "demo", "--team", "plumbing"}).out;
    return shown.find("+08:00") != std::string::npos;
  })) << shown;

  // A one-day range is that day in Hong Kong, labelled with it.
  std::string today = absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), hk));
  auto trend = Ctl({"surveys", "trends", "--site", "demo", "--from", today, "--to", today,
                    "--period", "day", "--metrics", "volume", "--csv"});
  ASSERT_EQ(trend.exit_code, 0) << trend.err;
  EXPECT_EQ(trend.out, "group,start,volume\n\"\"," + today + ",1\n") << trend.out;
}

// An estate's own words for its notices: the shipped example applies (a dry run first), reads
// back, and a file with an event residents are not told about is refused, naming the events.
TEST_F(LobbydTest, AnEstatesNoticesInItsOwnWords) {
  std::string example = std::string(LOBBY_SOURCE_DIR) + "/docs/examples/notices.yaml";
  auto dry = Ctl({"apply", "-f", example, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("dry run, nothing applied: the notices of demo, 6 texts"),
            std::string::npos)
      << dry.out;
  auto none = Ctl({"residents", "notices", "--site", "demo"});
  EXPECT_NE(none.out.find("uses Lobby's own words for every notice"), std::string::npos)
      << none.out;
  ASSERT_EQ(Ctl({"apply", "-f", example}).exit_code, 0);
  auto own = Ctl({"residents", "notices", "--site", "demo"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_NE(own.out.find("ticket.on_site   zh-Hant   技術員已到達府上。"), std::string::npos)
      << own.out;
  EXPECT_NE(own.out.find("outside whatsapp's window: template lobby_ticket_update"),
            std::string::npos)
      << own.out;
  std::string bad = dir_ + "/notices.yaml";
  std::ofstream(bad) << "notices:\n  site: demo\n  texts:\n    ticket.created: {en: hello}\n";
  auto refused = Ctl({"apply", "-f", bad});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("residents are not told about 'ticket.created'"), std::string::npos)
      << refused.err;
  EXPECT_NE(Ctl({"residents", "notices", "--site", "demo"}).out.find("技術員已到達府上。"),
            std::string::npos)
      << "a refused file changes nothing";
}

// A dry run of what is already applied reports no change, every time; a changed file reports
// exactly what changed, field by field. With the shipped example files.
TEST_F(LobbydTest, TheRegisterIsListedAndChecked) {
  ASSERT_EQ(
      Ctl({"apply", "-f", std::string(LOBBY_SOURCE_DIR) + "/docs/examples/estate.yaml"}).exit_code,
      0);
  auto units = Ctl({"estate", "units", "--site", "demo"});
  ASSERT_EQ(units.exit_code, 0) << units.err;
  EXPECT_NE(units.out.find("Harbour View Gardens (Asia/Hong_Kong"), std::string::npos) << units.out;
  EXPECT_NE(units.out.find("1-3, 5-13, 15-23, 25-30"), std::string::npos) << units.out;
  EXPECT_NE(units.out.find("426 units in 3 buildings"), std::string::npos) << units.out;
  auto tower = Ctl({"estate", "units", "--site", "demo", "--building", "t2", "-o", "json"});
  ASSERT_EQ(tower.exit_code, 0) << tower.err;
  EXPECT_EQ(tower.out.rfind("{\"items\":[{\"name\":\"Tower 2\"", 0), 0u) << tower.out;
  auto none = Ctl({"estate", "units", "--site", "demo", "--building", "Tower 9"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("buildings: Tower 1, Tower 2, Podium"), std::string::npos) << none.err;
  auto wrong = Ctl({"residents", "create", "--name", "X", "--phone", "9123 4000", "--site", "demo",
                    "--building", "Tower 1", "--floor", "4", "--room", "A", "--role", "owner"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("Tower 1 has no floor '4' (floors: 1-3, 5-13, 15-23, 25-30)"),
            std::string::npos)
      << wrong.err;
}

TEST_F(LobbydTest, ADryRunOfAnUnchangedFileReportsNoChange) {
  std::string source = LOBBY_SOURCE_DIR;
  std::string catalog = source + "/services/tickets/default_catalog.yaml",
              estate = source + "/docs/examples/estate.yaml";
  ASSERT_EQ(Ctl({"apply", "-f", catalog, "--site", "demo"}).exit_code, 0);
  ASSERT_EQ(Ctl({"apply", "-f", estate}).exit_code, 0);
  for (int i = 0; i < 3; ++i) {
    auto dry = Ctl({"apply", "-f", catalog, "--site", "demo", "--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_NE(dry.out.find("added: ; changed: ; removed: \n"), std::string::npos) << dry.out;
    EXPECT_EQ(dry.out.find("\n  "), std::string::npos) << "no change lines\n" << dry.out;
    auto again = Ctl({"apply", "-f", estate, "--dry-run"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out.find("\n  "), std::string::npos) << "the same estate changes nothing\n"
                                                         << again.out;
  }
  std::string text = testing::ReadFile(estate);
  size_t at = text.find("capacity: ");
  ASSERT_NE(at, std::string::npos);
  size_t end = text.find_first_of(",}\n", at);
  std::string edited = text.substr(0, at) + "capacity: 99" + text.substr(end);
  std::ofstream(dir_ + "/estate.yaml") << edited;
  auto changed = Ctl({"apply", "-f", dir_ + "/estate.yaml", "--dry-run"});
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_NE(changed.out.find(": capacity: "), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find(" -> 99\n"), std::string::npos) << changed.out;
  EXPECT_EQ(std::count(changed.out.begin(), changed.out.end(), '\n'), 2) << "one change, one line\n"
                                                                         << changed.out;
}

TEST_F(LobbydTest, ErrorsAndExitCodes) {
  auto denied = Ctl({"residents", "list", "--site", "demo"}, kTech);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("PERMISSION_DENIED"), std::string::npos) << denied.err;
  auto unauth = Ctl({"residents", "get", "RS-1"}, "bogus-token-0123456789");
  EXPECT_EQ(unauth.exit_code, 1);
  EXPECT_NE(unauth.err.find("UNAUTHENTICATED"), std::string::npos);
  auto missing = Ctl({"residents", "get", "RS-1"});
  EXPECT_NE(missing.err.find("NOT_FOUND"), std::string::npos);
  auto bad_phone = Ctl({"residents", "create", "--name", "X", "--phone", "1", "--site", "demo",
                        "--building", "B", "--floor", "1", "--room", "A", "--role", "owner"});
  EXPECT_EQ(bad_phone.exit_code, 1);
  EXPECT_NE(bad_phone.err.find("INVALID_ARGUMENT"), std::string::npos);
  EXPECT_EQ(Ctl({"residents", "list"}).exit_code, 2) << "usage errors exit 2";
  EXPECT_EQ(Ctl({"residents", "create", "--bogus", "1"}).exit_code, 2);
  EXPECT_EQ(Ctl({"nothing"}).exit_code, 2);
  EXPECT_EQ(Ctl({"--help"}).exit_code, 0);
  // The calls service is one of --services=all: a call it never heard of is NOT_FOUND.
  auto unknown = Ctl({"hotline", "get", "CALL-1"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("NOT_FOUND: no call 'CALL-1'"), std::string::npos) << unknown.err;
  // The demo's clock is only there when lobbyd was started with it, and only for admins.
  auto no_clock = Ctl({"demo", "simulate", "--site", "demo"});
  EXPECT_EQ(no_clock.exit_code, 1);
  EXPECT_NE(no_clock.err.find("start it with --demo-clock=-91d"), std::string::npos)
      << no_clock.err;
  EXPECT_EQ(Ctl({"demo", "simulate", "--site", "demo", "--days", "0"}).exit_code, 2);
  // What a lobbyd does not run is said, with how to start it; a wrong service name lists the
  // right ones.
  auto residents_only =
      Start({"--services=residents", "--ready-file", dir_ + "/ready-residents"}, "residents");
  ASSERT_TRUE(WaitFor([&] {
    return std::filesystem::exists(dir_ + "/ready-residents") || !residents_only->Running();
  })) << testing::ReadFile(dir_ + "/residents.log");
  auto hotline = testing::Run({BinDir() + "/lobbyctl", "hotline", "get", "CALL-1"},
                              {{"LOBBY_ADDR", testing::ReadyGrpcAddress(dir_ + "/ready-residents")},
                               {"LOBBY_TOKEN", kAdmin}},
                              "");
  EXPECT_EQ(hotline.exit_code, 1);
  EXPECT_NE(hotline.err.find("UNIMPLEMENTED: the calls service is not running here: start lobbyd "
                             "with --services=calls"),
            std::string::npos)
      << hotline.err;
  auto health = Ctl({"health", "--service", "repairz"});
  EXPECT_EQ(health.exit_code, 1);
  EXPECT_NE(health.err.find("repairs (lobby.v1.RepairService)"), std::string::npos) << health.err;
  EXPECT_EQ(health.err.find("hotline"), std::string::npos) << "not run here\n" << health.err;
  EXPECT_EQ(Ctl({"health", "--service", "repairs"}).out, "SERVING\n");
  // Every list is {"items": [...]} in JSON, an empty one too.
  std::string today = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  for (std::vector<std::string> list : std::vector<std::vector<std::string>>{
           {"residents", "list", "--site", "demo"},
           {"residents", "callbacks", "--site", "demo"},
           {"repairs", "list", "--site", "demo"},
           {"repairs", "counts", "--site", "demo", "--team", "plumbing"},
           {"incidents", "list", "--site", "demo"},
           {"surveys", "followups", "--site", "demo"},
           {"surveys", "repeats", "--site", "demo"},
           {"surveys", "heatmap", "--site", "demo", "--from", today, "--to", today}}) {
    list.insert(list.end(), {"-o", "json"});
    auto r = Ctl(list);
    EXPECT_EQ(r.out, "{\"items\":[]}\n") << list[0] << " " << list[1] << ": " << r.err;
  }
  // A group's --help is that group's commands.
  auto dispatch = Ctl({"dispatch", "--help"});
  EXPECT_EQ(dispatch.exit_code, 0);
  EXPECT_NE(dispatch.out.find("dispatch board --site S --team T"), std::string::npos)
      << dispatch.out;
  EXPECT_NE(dispatch.out.find("first wins)"), std::string::npos) << "with the continuation lines\n"
                                                                 << dispatch.out;
  EXPECT_EQ(dispatch.out.find("residents:"), std::string::npos) << dispatch.out;
  auto residents = Ctl({"residents", "--help"});
  EXPECT_NE(residents.out.find("merge SURVIVOR_ID MERGED_ID"), std::string::npos) << residents.out;
  EXPECT_EQ(residents.out.find("dispatch "), std::string::npos) << residents.out;
  EXPECT_LT(std::count(residents.out.begin(), residents.out.end(), '\n'), 40) << residents.out;
}

// An anonymous complaint's reporter is named in no log line about it and in no message about it
// to anyone but the resident: lobbyd logs at debug level while the complaint is filed, routed,
// pushed to the desk member and commented on.
TEST_F(LobbydTest, AnAnonymousComplaintsReporterIsInNoLogLineAndNoStaffMessage) {
  lobbyd_.reset();
  std::filesystem::remove(dir_ + "/ready");
  lobbyd_ = Start({"--log-level", "debug"});
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(dir_ + "/ready"); })) << Log();
  addr_ = testing::ReadyGrpcAddress(dir_ + "/ready");
  std::string estate = dir_ + "/estate.yaml";
  std::ofstream(estate)
      << "site: demo\nteams:\n  - {id: desk, categories: [noise]}\n"
         "members:\n  - {id: ng, teams: [desk], on_call: true, contact: {channel: telegram, id: "
         "\"555000\"}}\n"
         "rules:\n  - {name: complaints, match: {kind: [complaint]}, team: desk}\n";
  ASSERT_EQ(Ctl({"apply", "-f", estate}).exit_code, 0);
  ASSERT_EQ(
      Ctl({"residents", "create", "--name", "陳大文", "--phone", "9123 4567", "--site", "demo",
           "--building", "Tower 1", "--floor", "8", "--room", "C", "--role", "tenant"})
          .exit_code,
      0);  // RS-10001
  ASSERT_EQ(
      Ctl({"residents", "link", "RS-10001", "--channel", "line", "--external-id", "U4af4980629"})
          .exit_code,
      0);
  auto filed =
      Ctl({"complaints", "create", "--site", "demo", "--building", "Tower 1", "--area", "podium",
           "--category", "noise", "--subject", "noise", "--description", "樓上每晚凌晨都好嘈",
           "--channel", "line", "--resident", "RS-10001", "--anonymous"});
  ASSERT_EQ(filed.exit_code, 0) << filed.err;
  ASSERT_TRUE(WaitFor([&] {
    return Ctl({"complaints", "get", "C-10001"}).out.find("assignee     ng") != std::string::npos;
  }));
  ASSERT_EQ(
      Ctl({"complaints", "comment", "C-10001", "--text", "We will speak to the flat above tonight"})
          .exit_code,
      0);
  ASSERT_TRUE(WaitFor([&] {
    auto r = redis_.conn().Command({"XLEN", "lobby:q:outbound:telegram"});
    return r.ok() && r->integer >= 1;
  })) << "the desk member was told";
  // Every consumer of the ticket events done with them (handled, logged and acked) before the log
  // is read (no adapter runs here to deliver the outbound message).
  auto settled = [&](const std::string& stream) {
    auto groups = redis_.conn().Command({"XINFO", "GROUPS", stream});
    if (!groups.ok() || groups->elements.empty()) return false;
    for (const auto& g : groups->elements) {
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
        const std::string& key = g.elements[i].str;
        if ((key == "pending" || key == "lag") && g.elements[i + 1].integer != 0) return false;
      }
    }
    return true;
  };
  ASSERT_TRUE(WaitFor([&] { return settled("lobby:q:tickets"); }))
      << "the timeline, dispatch and surveys consumers are done";

  const std::vector<std::string> reporter = {"RS-10001", "9123", "4567", "陳", "U4af4980629"};
  int about = 0;
  for (absl::string_view line : absl::StrSplit(Log(), '\n')) {
    if (!absl::StrContains(line, "C-10001")) continue;
    ++about;
    for (const auto& r : reporter)
      EXPECT_FALSE(absl::StrContains(line, r)) << "names the reporter (" << r << "): " << line;
  }
  EXPECT_GE(about, 2) << "created and assigned, at least: " << Log();
  auto streams = redis_.conn().Command({"KEYS", "lobby:q:outbound:*"});
  ASSERT_TRUE(streams.ok());
  int messages = 0;
  for (const auto& stream : streams->elements) {
    auto entries = redis_.conn().Command({"XRANGE", stream.str, "-", "+"});
    ASSERT_TRUE(entries.ok());
    for (const auto& e : entries->elements) {
      std::string fields;
      for (const auto& f : e.elements[1].elements) fields += f.str + "\x1f";
      if (!absl::StrContains(fields, "C-10001") || absl::StrContains(fields, "U4af4980629"))
        continue;  // the resident's own
      ++messages;
      for (const auto& r : reporter)
        EXPECT_FALSE(absl::StrContains(fields, r))
            << stream.str << " names the reporter (" << r << "): " << fields;
    }
  }
  EXPECT_GE(messages, 1) << "the desk member's message was looked at";
}

TEST_F(LobbydTest, SigtermStopsCleanly) {
  ASSERT_EQ(Ctl({"residents", "list", "--site", "demo"}).exit_code, 0);
  auto health = Ctl({"health"}, "");
  EXPECT_EQ(health.exit_code, 0);
  EXPECT_EQ(health.out, "SERVING\n");
  EXPECT_EQ(Ctl({"health", "--service", "lobby.v1.ResidentService"}, "").out, "SERVING\n");
  lobbyd_->Signal(SIGTERM);
  EXPECT_EQ(lobbyd_->Wait(15), 0) << Log();
  std::string log = Log();
  EXPECT_NE(log.find("\"msg\":\"event=shutdown signal=SIGTERM\""), std::string::npos) << log;
  EXPECT_NE(log.find("event=stopped"), std::string::npos);
}

TEST(LobbydConfigTest, BadSettingsExitWithAClearMessage) {
  auto r = testing::Run({BinDir() + "/lobbyd"}, {{"LOBBY_REDIS_URL", "mysql://db"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("LOBBY_REDIS_URL"), std::string::npos) << r.err;
  r = testing::Run({BinDir() + "/lobbyd", "--services", "residents,billing"}, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("billing"), std::string::npos) << r.err;
  r = testing::Run({BinDir() + "/lobbyd", "--help"}, {});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("LOBBY_GRPC_LISTEN"), std::string::npos);
}

}  // namespace
}  // namespace lobby
