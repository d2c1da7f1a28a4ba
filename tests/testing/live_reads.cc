#include "tests/testing/live_reads.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace hoso::testing {

void WriteReceivedOnlyEvents(const std::string& path, int first, int count) {
  std::ofstream out(path);
  for (int i = first; i < first + count; ++i) {
    const int minute = i / 500;  // one instant per 500 events keeps the clock moving
    char at[64];
    std::snprintf(at, sizeof at, "2019-06-%02dT%02d:%02d:00+07:00", 3 + minute / 480,
                  8 + (minute % 480) / 60, minute % 60);
    out << R"({"event_id":"live-)" << i << R"(","dossier_id":"LIVE-)" << i
        << R"(","type":"received","occurred_at":")" << at
        << R"(","agency_id":"phuong-bach-khoa","procedure_id":"ward-chung-thuc-ban-sao","channel":"direct"})"
        << "\n";
  }
}

LiveReaders::LiveReaders(int threads, Fetch fetch, Check torn, int low, int high)
    : fetch_(std::move(fetch)), torn_(std::move(torn)), low_(low), high_(high) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Read(); });
}

LiveReaders::~LiveReaders() { Stop(); }

LiveReaders::Tally LiveReaders::Stop() {
  done_ = true;
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  std::lock_guard lock(mutex_);
  return tally_;
}

void LiveReaders::Read() {
  while (!done_.load()) {
    std::optional<std::string> body = fetch_();
    if (!body) continue;
    int received = 0;
    const std::string problem = torn_(*body, &received);
    std::lock_guard lock(mutex_);
    ++tally_.observations;
    if (received > low_ && received < high_) ++tally_.intermediate;
    if (!problem.empty() && tally_.torn++ == 0) tally_.first_torn = problem;
  }
}

std::string ReceivedEqualsOpen(const std::string& body, int batch, int* received) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.contains("total")) return "not a KPI report: " + body;
  *received = json["total"]["received"].get<int>();
  const int open = json["total"]["open"].get<int>();
  if (*received % batch == 0 && open == *received) return "";
  return "received " + std::to_string(*received) + ", open " + std::to_string(open);
}

}  // namespace hoso::testing
