// Crash soak (issues 8 and 9, label slow): `hoso ingest` and `hoso serve`
// are SIGKILLed at random instants (not only at batch boundaries) on a
// simulated year mixed with bad lines, and restarted each time; the final
// figures, dead letters and alert ids must equal those of an uninterrupted
// run. The seed is printed; rerun with HOSO_SOAK_SEED to reproduce.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "engine/core/instant.h"
#include "tests/testing/child_process.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/serve_test_config.h"

namespace hoso {
namespace {

using testing::Child;
using testing::RunHoso;
using testing::RunProgram;
using testing::TempDir;
using testing::WaitFor;

uint32_t Seed() {
  const char* env = std::getenv("HOSO_SOAK_SEED");
  const uint32_t seed =
      env != nullptr
          ? static_cast<uint32_t>(std::strtoul(env, nullptr, 10))
          : static_cast<uint32_t>(std::chrono::system_clock::now().time_since_epoch().count());
  std::printf("crash soak seed: %u (HOSO_SOAK_SEED=%u to rerun)\n", seed, seed);
  return seed;
}

// A simulated year with about one bad line in fifty (each of a different kind).
std::string YearWithBadLines(const TempDir& dir, std::mt19937& random) {
  const std::string year = dir.File("year.jsonl");
  EXPECT_EQ(RunHoso({"loadgen", "--out", year, "--seed", "21", "--dossiers", "12000"}).exit_code,
            0);
  const std::vector<std::string> bad = {
      "not json at all",
      R"({"event_id":"bad-%","dossier_id":"NOPE-%","type":"resolved","occurred_at":"2019-06-03T10:00:00+07:00","agency_id":"phuong-bach-khoa","outcome":"approved"})",
      R"({"event_id":"bad-%","type":"teleported"})",
      R"({"event_id":"bad-%","dossier_id":"X","type":"received","occurred_at":"2019-06-03","agency_id":"a"})",
  };
  std::istringstream in(testing::ReadFile(year));
  std::string out;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    out += line + "\n";
    if (random() % 50 == 0) {
      std::string b = bad[n % bad.size()];
      for (size_t at; (at = b.find('%')) != std::string::npos;) b.replace(at, 1, std::to_string(n));
      out += b + "\n";
      ++n;
    }
  }
  const std::string mixed = dir.File("mixed.jsonl");
  testing::WriteFile(mixed, out);
  return mixed;
}

struct Outcome {
  std::string kpi;
  std::set<std::string> alerts;  // full alert JSON
};

Outcome Read(const std::string& db) {
  Outcome outcome;
  auto kpi =
      RunHoso({"kpi", "--db", db, "--period", "2019", "--by", "procedure", "--format", "json"});
  outcome.kpi = kpi.exit_code == 0 ? kpi.out : "error: " + kpi.err;
  auto alerts = RunHoso({"alerts", "--db", db, "--format", "json"});
  if (alerts.exit_code == 0) {
    for (const auto& alert : nlohmann::json::parse(alerts.out)) outcome.alerts.insert(alert.dump());
  }
  return outcome;
}

TEST(CrashSoakTest, IngestAndServeKilledAtRandomInstantsEndWithTheUninterruptedFigures) {
  TempDir dir;
  std::mt19937 random(Seed());
  const std::string events = YearWithBadLines(dir, random);
  const std::string reference_db = dir.File("reference-db");
  ASSERT_EQ(
      RunHoso({"ingest", "--events", events, "--db", reference_db, "--batch", "256"}).exit_code, 0);
  const Outcome reference = Read(reference_db);
  const std::string reference_dead = testing::ReadFile(reference_db + ".dead-letter.jsonl");
  ASSERT_GT(reference.alerts.size(), 1000u);
  ASSERT_FALSE(reference_dead.empty());

  // ingest: killed at a random instant, restarted, until it finishes; a new
  // database each time it finishes, until 90 kills.
  int ingest_kills = 0;
  int finished_runs = 0;
  while (ingest_kills < 90) {
    const std::string db = dir.File("db-" + std::to_string(finished_runs));
    for (;;) {
      Child ingest(
          {HOSO_CLI, "ingest", "--events", events, "--db", db, "--batch", "256", "--no-progress"},
          dir.File("ingest.log"));
      const auto kill_after = std::chrono::milliseconds(random() % 700);
      const auto deadline = std::chrono::steady_clock::now() + kill_after;
      int status = 0;
      bool exited = false;
      while (std::chrono::steady_clock::now() < deadline && !(exited = ingest.Exited(&status))) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      if (!exited) {
        status = ingest.Stop(SIGKILL);
        if (WIFSIGNALED(status)) {
          ++ingest_kills;
          continue;
        }
      }
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "ingest failed after a restart\n"
          << testing::ReadFile(dir.File("ingest.log"));
      break;
    }
    const Outcome outcome = Read(db);
    EXPECT_EQ(outcome.kpi, reference.kpi) << "run " << finished_runs;
    EXPECT_EQ(outcome.alerts, reference.alerts) << "run " << finished_runs;
    EXPECT_EQ(testing::ReadFile(db + ".dead-letter.jsonl"), reference_dead)
        << "run " << finished_runs;
    auto verify = RunHoso({"verify", "--db", db});
    EXPECT_EQ(verify.exit_code, 0) << verify.out;
    ++finished_runs;
    std::filesystem::remove_all(db);
  }

  // serve: the same year through the embedded broker, killed at random
  // instants after it has stored something, 12 times.
  const std::string bootstrap_file = dir.File("bootstrap");
  Child broker({HOSO_CLI, "broker", "--partitions", "8", "--bootstrap-file", bootstrap_file},
               dir.File("broker.log"));
  ASSERT_TRUE(
      WaitFor([&] { return std::filesystem::exists(bootstrap_file); }, std::chrono::seconds(20)));
  std::string bootstrap;
  std::getline(std::ifstream(bootstrap_file) >> std::ws, bootstrap);
  ASSERT_EQ(
      RunHoso({"produce", "--brokers", bootstrap, "--file", events, "--no-progress"}).exit_code, 0);
  const std::string db = dir.File("serve-db");
  // All input is produced before serve starts, so a partition that is
  // silent for 3 s is truly at its end: the merge then hands records over in
  // time order, as the file is.
  const std::string config =
      testing::WriteServeConfig(dir.File("serve.json"), bootstrap, "g-soak", db,
                                {{"batch_max_records", 256}, {"idle_partition_ms", 3000}});
  int serve_kills = 0;
  auto stored_events = [&] {
    auto verify = RunHoso({"verify", "--db", db, "--format", "json"});
    auto json = nlohmann::json::parse(verify.out, nullptr, false);
    return json.is_discarded() ? int64_t{-1} : json.value("events", int64_t{-1});
  };
  while (serve_kills < 12) {
    Child serve({HOSO_CLI, "serve", "--config", config}, dir.File("serve.log"));
    const int64_t before = stored_events();
    if (!WaitFor([&] { return stored_events() != before; }, std::chrono::seconds(30))) break;
    const auto kill_after = std::chrono::milliseconds(random() % 500);
    const auto deadline = std::chrono::steady_clock::now() + kill_after;
    int status = 0;
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline && !(exited = serve.Exited(&status))) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_FALSE(exited) << "serve ended on its own: "
                         << (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                 : "exit " + std::to_string(WEXITSTATUS(status)))
                         << "\n"
                         << testing::ReadFile(dir.File("serve.log"));
    ASSERT_TRUE(WIFSIGNALED(serve.Stop(SIGKILL)));
    ++serve_kills;
  }
  Child serve({HOSO_CLI, "serve", "--config", config}, dir.File("serve.log"));
  // serve keeps one event-time clock per partition (docs/scale.md "Restore"):
  // a timer fires before its partition's next event, so timers due after a
  // partition's last event have not fired there. Alerts due in the last 5
  // days of the year are left out of the comparison.
  int64_t last_event_ms = INT64_MIN;
  {
    std::ifstream in(events);
    for (std::string line; std::getline(in, line);) {
      const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
      if (event.is_discarded() || !event.is_object() || !event["occurred_at"].is_string()) continue;
      auto at = core::ParseRfc3339(event["occurred_at"].get<std::string>());
      if (at.ok()) last_event_ms = std::max(last_event_ms, at->epoch_ms);
    }
  }
  const int64_t cut_ms = last_event_ms - int64_t{5} * 86400 * 1000;
  auto in_scope = [&](const nlohmann::json& alert) {
    auto fires_at = core::ParseRfc3339(alert["fires_at"].get<std::string>());
    return fires_at.ok() && fires_at->epoch_ms < cut_ms;
  };
  std::set<std::string> reference_ids, served_ids;
  for (const auto& text : reference.alerts) {
    const nlohmann::json alert = nlohmann::json::parse(text);
    if (in_scope(alert)) reference_ids.insert(alert["alert_id"].get<std::string>());
  }
  // The figures and the alerts converge separately: the last alerts are
  // raised by timers after the last figure changed, and a loaded machine
  // commits them later. Wait for both (the same deadline), then compare.
  Outcome served;
  EXPECT_TRUE(WaitFor(
      [&] {
        served = Read(db);
        served_ids.clear();
        for (const auto& text : served.alerts) {
          const nlohmann::json alert = nlohmann::json::parse(text);
          if (in_scope(alert)) served_ids.insert(alert["alert_id"].get<std::string>());
        }
        return served.kpi == reference.kpi && served_ids == reference_ids;
      },
      std::chrono::seconds(120)))
      << testing::ReadFile(dir.File("serve.log"));
  EXPECT_EQ(served.kpi, reference.kpi);
  std::vector<std::string> only_served, only_reference;
  std::set_difference(served_ids.begin(), served_ids.end(), reference_ids.begin(),
                      reference_ids.end(), std::back_inserter(only_served));
  std::set_difference(reference_ids.begin(), reference_ids.end(), served_ids.begin(),
                      served_ids.end(), std::back_inserter(only_reference));
  EXPECT_TRUE(only_served.empty() && only_reference.empty())
      << only_served.size() << " alert ids only in serve, e.g. "
      << (only_served.empty() ? "" : only_served[0]) << "; " << only_reference.size()
      << " only in the reference, e.g. " << (only_reference.empty() ? "" : only_reference[0])
      << "\n"
      << testing::ReadFile(dir.File("serve.log")).substr(0, 20000);
  // Dead letters on the topic: at least once (a kill between their
  // acknowledgement and the commit re-sends), so compare the distinct
  // source offsets with the number of rejected lines.
  size_t reference_rejections = 0;
  for (char c : reference_dead) reference_rejections += c == '\n';
  std::set<std::string> sources;
  auto read_dead_letters = [&] {
    auto read = RunProgram("/usr/bin/kcat",
                           {"-C", "-b", bootstrap, "-t", "hoso.dead-letter", "-J", "-e", "-q"});
    sources.clear();
    std::istringstream lines(read.out);
    for (std::string line; std::getline(lines, line);) {
      auto letter = nlohmann::json::parse(line, nullptr, false);
      if (letter.is_discarded()) continue;
      std::map<std::string, std::string> headers;
      const auto& h = letter["headers"];
      for (size_t i = 0; i + 1 < h.size(); i += 2) headers[h[i]] = h[i + 1];
      sources.insert(headers["source_partition"] + "/" + headers["source_offset"]);
    }
    return sources.size() == reference_rejections;
  };
  // Published by the producer after their batch committed: wait for them.
  (void)WaitFor(read_dead_letters, std::chrono::seconds(30));
  EXPECT_EQ(sources.size(), reference_rejections);
  std::printf("ingest kills %d over %d completed runs, serve kills %d\n", ingest_kills,
              finished_runs, serve_kills);
}

}  // namespace
}  // namespace hoso
