// The Helm chart and the image, checked without a cluster: `helm lint` and `helm template` with
// the default values and the files beside this test, then the rendered manifests read with
// yaml-cpp; the settings the chart gives each Deployment are handed to a real lobbyd; the
// Dockerfile's runtime packages are compared with what lobbyd links.
#include <gtest/gtest.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace lobby {
namespace {

using testing::BinDir;
using testing::Child;
using testing::ProcessResult;
using testing::ReadFile;
using testing::WaitFor;

const std::string kSource = LOBBY_SOURCE_DIR;
const std::string kChart = kSource + "/helm/lobby";

std::string Helm() {
  const char* env = std::getenv("LOBBY_HELM");
  return env ? env : kSource + "/.cache/helm/helm";
}

ProcessResult RunHelm(std::vector<std::string> args) {
  args.insert(args.begin(), Helm());
  // helm keeps caches under $HOME; give it a throwaway one.
  static const std::string home = [] {
    char tmpl[] = "/tmp/lobby-helm-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  return testing::Run(args, {{"HOME", home}}, "", 60);
}

struct Rendered {
  std::vector<YAML::Node> docs;
  std::vector<YAML::Node> Of(const std::string& kind) const {
    std::vector<YAML::Node> out;
    for (const auto& d : docs) {
      if (d["kind"].as<std::string>() == kind) out.push_back(d);
    }
    return out;
  }
  std::set<std::string> Names(const std::string& kind) const {
    std::set<std::string> out;
    for (const auto& d : Of(kind)) out.insert(d["metadata"]["name"].as<std::string>());
    return out;
  }
  YAML::Node Get(const std::string& kind, const std::string& name) const {
    for (const auto& d : Of(kind)) {
      if (d["metadata"]["name"].as<std::string>() == name) return d;
    }
    return YAML::Node();
  }
};

// `helm template` with a values file from tests/deploy ("" for the defaults), after `helm lint`.
Rendered Render(const std::string& values, std::vector<std::string> extra = {}) {
  std::vector<std::string> files;
  if (!values.empty()) files = {"-f", kSource + "/tests/deploy/" + values + ".yaml"};
  std::vector<std::string> lint = {"lint", "--strict", kChart};
  lint.insert(lint.end(), files.begin(), files.end());
  ProcessResult linted = RunHelm(lint);
  EXPECT_EQ(linted.exit_code, 0) << values << ":\n" << linted.out << linted.err;
  std::vector<std::string> args = {"template", "lobby", kChart, "--namespace", "lobby"};
  args.insert(args.end(), files.begin(), files.end());
  args.insert(args.end(), extra.begin(), extra.end());
  ProcessResult r = RunHelm(args);
  EXPECT_EQ(r.exit_code, 0) << values << ":\n" << r.err;
  Rendered out;
  for (const YAML::Node& d : YAML::LoadAll(r.out)) {
    if (d.IsMap()) out.docs.push_back(d);
  }
  return out;
}

// A rendered Secret's keys and values (stringData, or data decoded).
std::map<std::string, std::string> SecretValues(const Rendered& r, const std::string& name) {
  std::map<std::string, std::string> out;
  YAML::Node s = r.Get("Secret", name);
  for (const auto& kv : s["stringData"])
    out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  for (const auto& kv : s["data"]) {
    std::string plain;
    EXPECT_TRUE(absl::Base64Unescape(kv.second.as<std::string>(), &plain)) << name;
    out[kv.first.as<std::string>()] = plain;
  }
  return out;
}

// A Deployment's, StatefulSet's or Job's first (only) container.
YAML::Node Container(const YAML::Node& workload) {
  return workload["spec"]["template"]["spec"]["containers"][0];
}

// The Secrets a workload's container reads through envFrom, in order (a later one's keys win).
std::vector<std::string> SecretsRead(const YAML::Node& workload) {
  std::vector<std::string> out;
  for (const YAML::Node& from : Container(workload)["envFrom"]) {
    if (from["secretRef"]) out.push_back(from["secretRef"]["name"].as<std::string>());
  }
  return out;
}

bool Reads(const YAML::Node& workload, const std::string& secret) {
  std::vector<std::string> read = SecretsRead(workload);
  return std::find(read.begin(), read.end(), secret) != read.end();
}

// The settings lobbyd marks [secret] in --help.
std::set<std::string> SecretSettings() {
  ProcessResult help = testing::Run({BinDir() + "/lobbyd", "--help"}, {});
  std::set<std::string> out;
  for (absl::string_view line : absl::StrSplit(help.out, '\n')) {
    if (!absl::EndsWith(line, "[secret]")) continue;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.size() > 1) out.insert(std::string(words[1]));
  }
  return out;
}

// What every values file must give: nothing secret in a ConfigMap, every Deployment probed,
// sized, locked down and on a pinned image.
void CheckCommon(const Rendered& r, const std::string& values,
                 std::set<std::string> planted_secrets) {
  SCOPED_TRACE(values.empty() ? "default values" : values);
  for (const std::string& name : r.Names("Secret")) {  // and every value of a rendered Secret
    for (const auto& [k, v] : SecretValues(r, name)) planted_secrets.insert(v);
  }
  static const std::set<std::string> secret_settings = SecretSettings();
  ASSERT_TRUE(secret_settings.count("LOBBY_TOKENS")) << "lobbyd --help marks secrets";
  for (const YAML::Node& cm : r.Of("ConfigMap")) {
    for (const auto& kv : cm["data"]) {
      std::string key = kv.first.as<std::string>(), value = kv.second.as<std::string>();
      if (key == "LOBBY_REDIS_URL") {
        EXPECT_FALSE(absl::StrContains(value, "@"))
            << "no Redis credentials in a ConfigMap: " << value;
      } else {
        EXPECT_FALSE(secret_settings.count(key))
            << key << " is secret but sits in ConfigMap " << cm["metadata"]["name"];
      }
      for (const std::string& s : planted_secrets) {
        EXPECT_FALSE(absl::StrContains(value, s))
            << "a Secret's value is in ConfigMap " << cm["metadata"]["name"];
      }
    }
  }
  auto pinned = [](const std::string& image) {
    if (absl::StrContains(image, "@sha256:")) return true;
    size_t colon = image.rfind(':');
    return colon != std::string::npos && image.find('/', colon) == std::string::npos &&
           image.substr(colon + 1) != "latest";
  };
  for (const char* kind : {"Deployment", "StatefulSet", "Job"}) {
    for (const YAML::Node& d : r.Of(kind)) {
      std::string name = d["metadata"]["name"].as<std::string>();
      YAML::Node pod = d["spec"]["template"]["spec"];
      EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>()) << name;
      EXPECT_NE(pod["securityContext"]["runAsUser"].as<int>(), 0) << name;
      for (const YAML::Node& c : pod["containers"]) {
        std::string image = c["image"].as<std::string>();
        EXPECT_TRUE(pinned(image)) << name << " runs an unpinned image " << image;
        EXPECT_FALSE(c["securityContext"]["allowPrivilegeEscalation"].as<bool>()) << name;
        EXPECT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].as<bool>()) << name;
        EXPECT_TRUE(c["resources"]["requests"]["memory"]) << name << " has no memory request";
        EXPECT_TRUE(c["resources"]["limits"]["memory"]) << name << " has no memory limit";
        if (std::string(kind) == "Job") continue;
        for (const char* probe : {"startupProbe", "readinessProbe", "livenessProbe"}) {
          EXPECT_TRUE(c[probe].IsMap()) << name << " has no " << probe;
        }
      }
      if (std::string(kind) != "Deployment") continue;
      YAML::Node c = pod["containers"][0];
      bool service = d["metadata"]["labels"]["lobby.io/role"].as<std::string>() == "service";
      if (service) {
        EXPECT_EQ(c["readinessProbe"]["grpc"]["port"].as<int>(), 7000) << name;
        EXPECT_FALSE(c["readinessProbe"]["grpc"]["service"])
            << name << ": readiness is the overall health";
        EXPECT_EQ(c["livenessProbe"]["grpc"]["service"].as<std::string>(), "liveness") << name;
      } else {
        EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz") << name;
        EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/livez") << name;
      }
      EXPECT_GT(pod["terminationGracePeriodSeconds"].as<int>(), 25)
          << name << ": room for delay + grace";
    }
  }
  // Every Deployment reads the ConfigMap, and every Secret it names is one the values name.
  for (const YAML::Node& d : r.Of("Deployment")) {
    bool config = false;
    for (const YAML::Node& from : Container(d)["envFrom"]) {
      if (from["configMapRef"])
        config = from["configMapRef"]["name"].as<std::string>() == "lobby-config";
    }
    EXPECT_TRUE(config) << d["metadata"]["name"];
  }
}

// The component names of the Deployments, as lobbyd is told to host them.
std::map<std::string, std::string> Hosting(const Rendered& r) {
  std::map<std::string, std::string> out;
  for (const YAML::Node& d : r.Of("Deployment")) {
    std::string args;
    for (const YAML::Node& a : Container(d)["args"]) {
      absl::StrAppend(&args, args.empty() ? "" : " ", a.as<std::string>());
    }
    out[d["metadata"]["name"].as<std::string>()] = args;
  }
  return out;
}

TEST(ChartTest, DefaultValues) {
  Rendered r = Render("");
  CheckCommon(r, "", {});
  EXPECT_EQ(Hosting(r), (std::map<std::string, std::string>{
                            {"lobby-residents", "--services=residents --adapters=none"},
                            {"lobby-repairs", "--services=repairs --adapters=none"},
                            {"lobby-complaints", "--services=complaints --adapters=none"},
                            {"lobby-dispatch", "--services=dispatch --adapters=none"},
                            {"lobby-surveys", "--services=surveys --adapters=none"},
                            {"lobby-calls", "--services=calls --adapters=none"},
                            {"lobby-accounts", "--services=accounts --adapters=none"}}));
  // The bundled Redis: AOF on a claim, noeviction, reachable from Lobby's pods only.
  YAML::Node redis = r.Get("StatefulSet", "lobby-redis");
  ASSERT_TRUE(redis.IsMap());
  std::string args;
  for (const YAML::Node& a : Container(redis)["args"])
    absl::StrAppend(&args, a.as<std::string>(), " ");
  EXPECT_TRUE(absl::StrContains(args, "--appendonly yes")) << args;
  EXPECT_TRUE(absl::StrContains(args, "--maxmemory-policy noeviction")) << args;
  EXPECT_TRUE(absl::StrContains(args, "--appendfsync always"))
      << "nothing acknowledged lost, even with the node: " << args;
  EXPECT_EQ(redis["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
                .as<std::string>(),
            "8Gi");
  YAML::Node config = r.Get("ConfigMap", "lobby-config")["data"];
  EXPECT_EQ(config["LOBBY_REDIS_URL"].as<std::string>(), "redis://lobby-redis:6379/0");
  EXPECT_EQ(config["LOBBY_REPAIRS_ADDR"].as<std::string>(), "lobby-repairs:7000");
  EXPECT_EQ(config["LOBBY_DISPATCH_ADDR"].as<std::string>(), "lobby-dispatch:7000")
      << "the services read the estates' registers";
  EXPECT_EQ(config["LOBBY_SHUTDOWN_DELAY"].as<std::string>(), "5s");
  YAML::Node policy = r.Get("NetworkPolicy", "lobby-redis");
  ASSERT_TRUE(policy.IsMap());
  EXPECT_EQ(policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
                  ["app.kubernetes.io/instance"]
                      .as<std::string>(),
            "lobby");
  EXPECT_EQ(r.Names("PodDisruptionBudget").size(), 7u);
  EXPECT_TRUE(r.Of("HorizontalPodAutoscaler").empty());
  EXPECT_TRUE(r.Of("Ingress").empty()) << "no webhook adapter, no Ingress";
  // The one Secret the chart makes by itself: a random token for the processes to call each
  // other with, read first by every pod (so a Secret of yours can override it).
  EXPECT_EQ(r.Names("Secret"), std::set<std::string>{"lobby-service-token"});
  EXPECT_EQ(SecretValues(r, "lobby-service-token")["LOBBY_SERVICE_TOKEN"].size(), 48u);
  for (const YAML::Node& d : r.Of("Deployment")) {
    EXPECT_EQ(SecretsRead(d), std::vector<std::string>{"lobby-service-token"})
        << d["metadata"]["name"];
  }
}

TEST(ChartTest, BundledRedisWithAPassword) {
  Rendered r = Render("", {"--set", "redis.bundled.passwordSecret=lobby-redis-auth"});
  CheckCommon(r, "bundled Redis with a password", {});
  YAML::Node redis = Container(r.Get("StatefulSet", "lobby-redis"));
  std::string args;
  for (const YAML::Node& a : redis["args"]) absl::StrAppend(&args, a.as<std::string>(), " ");
  EXPECT_TRUE(absl::StrContains(args, "--requirepass $(REDISCLI_AUTH)"))
      << "the password never on the command line: " << args;
  EXPECT_EQ(redis["env"][0]["name"].as<std::string>(), "REDISCLI_AUTH");
  EXPECT_EQ(redis["env"][0]["valueFrom"]["secretKeyRef"]["name"].as<std::string>(),
            "lobby-redis-auth");
  EXPECT_EQ(redis["env"][0]["valueFrom"]["secretKeyRef"]["key"].as<std::string>(),
            "LOBBY_REDIS_PASSWORD");
  for (const YAML::Node& d : r.Of("Deployment")) {
    EXPECT_TRUE(Reads(d, "lobby-redis-auth"))
        << d["metadata"]["name"] << " must read LOBBY_REDIS_PASSWORD";
  }
}

TEST(ChartTest, Minimal) {
  Rendered r = Render("minimal");
  CheckCommon(r, "minimal", {"trial-admin-token-0123456789", "trial-service-token-0123456789"});
  EXPECT_EQ(r.Of("Deployment").size(), 7u);
  for (const YAML::Node& d : r.Of("Deployment")) EXPECT_EQ(d["spec"]["replicas"].as<int>(), 1);
  EXPECT_TRUE(r.Of("PodDisruptionBudget").empty());
  EXPECT_TRUE(r.Of("NetworkPolicy").empty());
  EXPECT_EQ(r.Names("Secret"), (std::set<std::string>{"lobby-service-token", "lobby-trial"}));
  for (const YAML::Node& d : r.Of("Deployment"))
    EXPECT_TRUE(Reads(d, "lobby-trial")) << d["metadata"]["name"];
}

TEST(ChartTest, ProductionWithExternalRedisAndAutoscaling) {
  Rendered r = Render("production");
  CheckCommon(r, "production", {});
  EXPECT_TRUE(r.Of("StatefulSet").empty()) << "no bundled Redis with an external one";
  EXPECT_FALSE(r.Get("NetworkPolicy", "lobby-redis").IsMap());
  YAML::Node config = r.Get("ConfigMap", "lobby-config")["data"];
  EXPECT_TRUE(absl::StartsWith(config["LOBBY_REDIS_URL"].as<std::string>(), "redis+sentinel://"));
  EXPECT_EQ(config["LOBBY_SMS_ROUTES"].as<std::string>(), "+852=twilio,+86=aliyun");
  // Every stateless part scales; the hotline (one AMI client per PBX) neither scales nor has a
  // budget.
  std::set<std::string> scaled = r.Names("HorizontalPodAutoscaler");
  EXPECT_EQ(scaled, (std::set<std::string>{"lobby-residents", "lobby-repairs", "lobby-complaints",
                                           "lobby-dispatch", "lobby-surveys", "lobby-calls",
                                           "lobby-accounts", "lobby-telegram", "lobby-whatsapp",
                                           "lobby-sms", "lobby-gateway"}));
  for (const YAML::Node& d : r.Of("Deployment")) {
    std::string name = d["metadata"]["name"].as<std::string>();
    EXPECT_EQ(d["spec"]["replicas"].IsDefined(), !scaled.count(name))
        << name << ": the HPA owns replicas";
  }
  EXPECT_EQ(r.Get("Deployment", "lobby-hotline")["spec"]["replicas"].as<int>(), 1);
  EXPECT_EQ(config["LOBBY_CALLS_ADDR"].as<std::string>(), "lobby-calls:7000")
      << "the hotline adapter reports its calls to the calls service";
  EXPECT_FALSE(r.Get("PodDisruptionBudget", "lobby-hotline").IsMap());
  // Images by digest.
  for (const YAML::Node& d : r.Of("Deployment")) {
    EXPECT_TRUE(absl::StrContains(Container(d)["image"].as<std::string>(), "@sha256:"));
  }
  // An adapter's Secret reaches that adapter only.
  EXPECT_EQ(SecretsRead(r.Get("Deployment", "lobby-telegram")),
            (std::vector<std::string>{"lobby-service-token", "lobby-core", "lobby-telegram"}));
  EXPECT_EQ(SecretsRead(r.Get("Deployment", "lobby-repairs")),
            (std::vector<std::string>{"lobby-service-token", "lobby-core"}));
  // The Ingress carries the webhook adapters' paths and the HTTP API's, nothing else.
  YAML::Node ingress = r.Get("Ingress", "lobby-webhooks");
  ASSERT_TRUE(ingress.IsMap());
  std::set<std::string> paths;
  for (const YAML::Node& p : ingress["spec"]["rules"][0]["http"]["paths"]) {
    paths.insert(p["path"].as<std::string>() + " -> " +
                 p["backend"]["service"]["name"].as<std::string>() + ":" +
                 p["backend"]["service"]["port"]["name"].as<std::string>());
  }
  EXPECT_EQ(paths, (std::set<std::string>{"/v1/telegram -> lobby-telegram:http",
                                          "/v1/whatsapp -> lobby-whatsapp:http",
                                          "/v1/sms -> lobby-sms:http",
                                          "/v1/hotline -> lobby-hotline:http",
                                          "/lobby.v1.ResidentService -> lobby-gateway:http",
                                          "/lobby.v1.RepairService -> lobby-gateway:http",
                                          "/lobby.v1.ComplaintService -> lobby-gateway:http",
                                          "/lobby.v1.DispatchService -> lobby-gateway:http",
                                          "/lobby.v1.SurveyService -> lobby-gateway:http",
                                          "/lobby.v1.HotlineService -> lobby-gateway:http",
                                          "/lobby.v1.AccountService -> lobby-gateway:http",
                                          "/ -> lobby-gateway:http",
                                          "/assets -> lobby-gateway:http",
                                          "/signin -> lobby-gateway:http",
                                          "/desk -> lobby-gateway:http",
                                          "/tickets -> lobby-gateway:http",
                                          "/board -> lobby-gateway:http",
                                          "/dashboard -> lobby-gateway:http",
                                          "/report -> lobby-gateway:http",
                                          "/residents -> lobby-gateway:http",
                                          "/estate -> lobby-gateway:http",
                                          "/incidents -> lobby-gateway:http"}));
  // Only the page at / itself: a catch-all would expose the gateway's /metrics.
  for (const YAML::Node& p : ingress["spec"]["rules"][0]["http"]["paths"]) {
    if (p["path"].as<std::string>() == "/") EXPECT_EQ(p["pathType"].as<std::string>(), "Exact");
  }
  // The gateway is an adapter: it calls the services as any client, behind the Ingress. It
  // serves the web console from the image.
  YAML::Node args = Container(r.Get("Deployment", "lobby-gateway"))["args"];
  EXPECT_EQ(args[1].as<std::string>(), "--adapters=gateway");
  EXPECT_EQ(args[2].as<std::string>(), "--console-dir=/usr/share/lobby/console");
  // Services take gRPC from Lobby's pods and the console namespace only.
  YAML::Node services = r.Get("NetworkPolicy", "lobby-services")["spec"]["ingress"][0];
  EXPECT_EQ(services["ports"][0]["port"].as<std::string>(), "grpc");
  ASSERT_EQ(services["from"].size(), 2u);
  EXPECT_EQ(services["from"][1]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                .as<std::string>(),
            "lobby-console");
  EXPECT_TRUE(r.Get("ServiceMonitor", "lobby").IsMap());
  // The estate Job: a hook, the dispatch address for the estate, the surveys address for its
  // settings.
  std::vector<YAML::Node> jobs = r.Of("Job");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["metadata"]["annotations"]["helm.sh/hook"].as<std::string>(),
            "post-install,post-upgrade");
  std::string script = Container(jobs[0])["args"][0].as<std::string>();
  EXPECT_TRUE(absl::StrContains(
      script,
      "lobbyctl --addr lobby-dispatch:7000 apply -f /etc/lobby/estate/estate-harbour-view.yaml"))
      << script;
  EXPECT_TRUE(absl::StrContains(
      script,
      "lobbyctl --addr lobby-surveys:7000 apply -f /etc/lobby/estate/surveys-harbour-view.yaml"))
      << script;
  // lobbyctl uses the service token the pods use: the Job reads their Secrets in their order.
  EXPECT_TRUE(
      absl::StrContains(script, "export LOBBY_TOKEN=\"${LOBBY_TOKEN:-$LOBBY_SERVICE_TOKEN}\""))
      << script;
  EXPECT_EQ(Container(jobs[0])["envFrom"].size(), 2u);
  EXPECT_EQ(SecretsRead(jobs[0]), (std::vector<std::string>{"lobby-service-token", "lobby-core"}));
  YAML::Node estate = r.Get("ConfigMap", "lobby-estate");
  ASSERT_TRUE(estate.IsMap());
  YAML::Node parsed = YAML::Load(estate["data"]["estate-harbour-view.yaml"].as<std::string>());
  EXPECT_EQ(parsed["members"][0]["id"].as<std::string>(), "lee")
      << "the estate YAML survives the ConfigMap intact";
}

TEST(ChartTest, EverythingOffButOneAdapter) {
  Rendered r = Render("one-adapter");
  CheckCommon(r, "one-adapter", {"twilio-auth-token-not-real", "core-service-token-0123456789"});
  EXPECT_EQ(Hosting(r),
            (std::map<std::string, std::string>{{"lobby-sms", "--services=none --adapters=sms"}}));
  EXPECT_TRUE(r.Of("StatefulSet").empty());
  YAML::Node config = r.Get("ConfigMap", "lobby-config")["data"];
  EXPECT_EQ(config["LOBBY_RESIDENTS_ADDR"].as<std::string>(),
            "lobby-residents.lobby-core.svc:7000");
  EXPECT_EQ(config["LOBBY_SURVEYS_ADDR"].as<std::string>(), "lobby-surveys.lobby-core.svc:7000");
  EXPECT_EQ(r.Names("Service"), std::set<std::string>{"lobby-sms"});
}

TEST(ChartTest, MistakesFailTheInstall) {
  struct Case {
    std::vector<std::string> set;
    std::string says;
  } cases[] = {
      {{"--set", "services.residents.replicaz=3"}, "replicaz"},
      {{"--set", "image.tag=latest"}, "image.tag"},
      {{"--set", "adapters.hotline.autoscaling.enabled=true"}, "autoscaling"},
      {{"--set", "config.extra.LOBBY_TELEGRAM_TOKEN=123"}, "LOBBY_TELEGRAM_TOKEN"},
      {{"--set", "redis.url=redis://:hunter2@redis:6379/0", "--set", "redis.bundled.enabled=false"},
       "redis.url"},
      {{"--set", "redis.url=redis://redis:6379/0"}, "choose one"},
      {{"--set", "redis.bundled.enabled=false"}, "set redis.url"},
      {{"--set", "config.shutdownGrace=twenty"}, "shutdownGrace"},
      {{"--set", "estate.estates.Harbour_View=x"}, "estate.estates"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"template", "lobby", kChart};
    args.insert(args.end(), c.set.begin(), c.set.end());
    ProcessResult r = RunHelm(args);
    EXPECT_NE(r.exit_code, 0) << c.set[1];
    EXPECT_TRUE(absl::StrContains(r.err, c.says)) << c.set[1] << ": " << r.err;
  }
}

// Runs lobbyd with exactly what a Deployment gives it (its args, the ConfigMap, the trial
// Secret) against a real Redis: every setting must be one lobbyd knows and accepts.
void StartsWithTheChartsSettings(const std::string& values) {
  SCOPED_TRACE(values);
  Rendered r = Render(values);
  testing::RedisServer redis;
  std::map<std::string, std::string> env;
  for (const auto& kv : r.Get("ConfigMap", "lobby-config")["data"])
    env[kv.first.as<std::string>()] = kv.second.as<std::string>();
  env["LOBBY_REDIS_URL"] = redis.url();  // the cluster's Redis is this test's
  env["LOBBY_GRPC_LISTEN"] = "127.0.0.1:0";
  env["LOBBY_HTTP_LISTEN"] = "127.0.0.1:0";
  env["LOBBY_SHUTDOWN_DELAY"] = "0s";  // no endpoints to drain here
  char tmpl[] = "/tmp/lobby-chart-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  for (const YAML::Node& d : r.Of("Deployment")) {
    std::string name = d["metadata"]["name"].as<std::string>();
    std::map<std::string, std::string> pod_env = env;
    for (const std::string& secret :
         SecretsRead(d)) {  // in order: a later Secret's key wins, as in Kubernetes
      for (const auto& [k, v] : SecretValues(r, secret)) pod_env[k] = v;
    }
    std::vector<std::string> argv = {BinDir() + "/lobbyd", "--ready-file",
                                     dir + "/" + name + ".ready"};
    for (const YAML::Node& a : Container(d)["args"]) argv.push_back(a.as<std::string>());
    Child lobbyd(argv, pod_env, dir + "/" + name + ".log");
    EXPECT_TRUE(WaitFor(
        [&] { return std::filesystem::exists(dir + "/" + name + ".ready") || !lobbyd.Running(); },
        20));
    EXPECT_TRUE(lobbyd.Running()) << name << ":\n" << ReadFile(dir + "/" + name + ".log");
    lobbyd.Signal(SIGTERM);
    EXPECT_EQ(lobbyd.Wait(30), 0) << name << ":\n" << ReadFile(dir + "/" + name + ".log");
  }
  std::filesystem::remove_all(dir);
}

TEST(ChartTest, LobbydAcceptsEverySettingTheChartGives) {
  StartsWithTheChartsSettings("minimal");
  StartsWithTheChartsSettings("one-adapter");
}

// The runtime stage of the Dockerfile installs a package for every shared library lobbyd and
// lobbyctl load (beyond what debian:12-slim already has).
TEST(ImageTest, RuntimeStageHasEverySharedLibrary) {
  std::string dockerfile = ReadFile(kSource + "/Dockerfile");
  size_t stage = dockerfile.find("FROM debian:12-slim");
  ASSERT_NE(stage, std::string::npos) << "a slim Debian 12 runtime stage";
  std::set<std::string> installed = {"libc6", "libgcc-s1", "zlib1g"};  // in debian:12-slim
  std::string runtime = dockerfile.substr(stage);
  for (absl::string_view w :
       absl::StrSplit(runtime, absl::ByAnyChar(" \t\n\\"), absl::SkipEmpty())) {
    if (absl::StartsWith(w, "lib")) installed.insert(std::string(w));
  }
  EXPECT_TRUE(absl::StrContains(runtime, "USER 10001")) << "runs as a non-root user";
  EXPECT_TRUE(absl::StrContains(dockerfile, "scripts/setup"))
      << "the build stage installs what scripts/setup does";
  for (const char* binary : {"lobbyd", "lobbyctl"}) {
    ProcessResult ldd = testing::Run({"/usr/bin/ldd", BinDir() + "/" + binary}, {});
    ASSERT_EQ(ldd.exit_code, 0) << ldd.err;
    for (absl::string_view line : absl::StrSplit(ldd.out, '\n')) {
      // "	libgrpc++.so.1.51 => /lib/x86_64-linux-gnu/libgrpc++.so.1.51 (0x...)"
      size_t arrow = line.find("=> /");
      if (arrow == absl::string_view::npos) continue;
      std::string path(line.substr(arrow + 3, line.find(" (") - arrow - 3));
      std::string real = std::filesystem::canonical(path).string();
      ProcessResult owner = testing::Run({"/usr/bin/dpkg", "-S", real}, {});
      if (owner.exit_code != 0) owner = testing::Run({"/usr/bin/dpkg", "-S", path}, {});
      ASSERT_EQ(owner.exit_code, 0) << "no package owns " << path;
      std::string package(absl::StripAsciiWhitespace(owner.out.substr(0, owner.out.find(':'))));
      // A sanitizer build (LOBBY_SANITIZE=1) loads its runtimes; the image is built without.
      if (absl::StartsWith(package, "libasan") || absl::StartsWith(package, "libubsan")) continue;
      EXPECT_TRUE(installed.count(package))
          << binary << " loads " << path << " from " << package
          << ", which the Dockerfile's runtime stage does not install";
    }
  }
}

}  // namespace
}  // namespace lobby
