#include "tests/testing/loadgen_year.h"

#include <gtest/gtest.h>

#include <sstream>

#include "schemas/codec/embedded_reference.h"
#include "tools/loadgen/loadgen.h"

namespace hoso::testing {

const BuiltInReference& BuiltIn() {
  static const BuiltInReference* reference = [] {
    auto calendar = codec::EmbeddedCalendarData();
    auto catalog = codec::EmbeddedCatalog();
    auto agencies = codec::EmbeddedAgencies();
    EXPECT_TRUE(calendar.ok() && catalog.ok() && agencies.ok());
    return new BuiltInReference{*core::WorkingCalendar::Create(*calendar), *catalog, *agencies};
  }();
  return *reference;
}

std::unique_ptr<core::DossierStateMachine> BuiltInMachine() {
  const BuiltInReference& ref = BuiltIn();
  return std::make_unique<core::DossierStateMachine>(&ref.calendar, &ref.catalog,
                                                     core::StateMachineOptions{}, &ref.agencies);
}

std::vector<std::string> LoadgenLines(int64_t dossiers, uint64_t seed) {
  const BuiltInReference& ref = BuiltIn();
  std::ostringstream out;
  loadgen::Options options;
  options.seed = seed;
  options.dossiers = dossiers;
  EXPECT_TRUE(
      loadgen::Generate(options, ref.catalog, ref.agencies, ref.calendar, out, nullptr).ok());
  std::istringstream lines(out.str());
  std::vector<std::string> records;
  for (std::string line; std::getline(lines, line);) records.push_back(line);
  return records;
}

}  // namespace hoso::testing
