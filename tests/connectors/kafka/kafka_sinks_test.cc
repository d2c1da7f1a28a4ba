// The hoso.kpi message value (docs/kafka.md): the hand-written text must be
// the JSON a consumer expects, whatever the ids hold: byte for byte what a
// JSON library writes for the same object, except that backspace and form
// feed are written as \u0008 and \u000c (the same value to any reader).
#include "connectors/kafka/kafka_sinks.h"

#include <gtest/gtest.h>

#include <climits>
#include <nlohmann/json.hpp>
#include <string>

namespace hoso::connectors::kafka {
namespace {

std::string LibraryText(const projections::KpiKey& key, const core::KpiCounters& counters) {
  char period[16];
  std::snprintf(period, sizeof(period), "%04d-%02d", key.month_key / 100, key.month_key % 100);
  nlohmann::ordered_json json;
  json["period"] = period;
  json["agency_id"] = key.agency_id;
  json["procedure_id"] = key.procedure_id;
  json["partition"] = key.partition;
  for (int f = 0; f < core::kKpiFieldCount; ++f) {
    json[std::string(core::KpiFieldName(static_cast<core::KpiField>(f)))] = counters.values[f];
  }
  return json.dump();
}

TEST(KpiMessageValueTest, IsTheTextAJsonLibraryWritesForTheSameObject) {
  core::KpiCounters counters;
  for (int f = 0; f < core::kKpiFieldCount; ++f) counters.values[f] = f * 1000 - 7;
  counters.values[0] = INT64_MAX;
  counters.values[1] = INT64_MIN;
  for (const std::string& id :
       {std::string("phuong-bach-khoa"), std::string("Phường Bạch Mai"),
        std::string("quote\" back\\slash"), std::string("tab\tnew\nline\rcr"),
        std::string("ctl\x01\x1f end"), std::string()}) {
    projections::KpiKey key{201912, id, "ward-" + id, -3};
    EXPECT_EQ(KpiMessageValue(key, counters), LibraryText(key, counters)) << id;
    const nlohmann::json parsed = nlohmann::json::parse(KpiMessageValue(key, counters));
    EXPECT_EQ(parsed["agency_id"], id);
    EXPECT_EQ(parsed["period"], "2019-12");
  }
  projections::KpiKey key{202001, "bs\bff\f", "p", 0};
  EXPECT_EQ(nlohmann::json::parse(KpiMessageValue(key, counters)),
            nlohmann::json::parse(LibraryText(key, counters)));
}

}  // namespace
}  // namespace hoso::connectors::kafka
