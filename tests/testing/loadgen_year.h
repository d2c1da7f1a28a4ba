// The built-in reference data (Hai Bà Trưng 2019, compiled in from
// schemas/reference) and loadgen years over it, for tests that drive
// runtime::Engine directly on the in-memory store.
#ifndef HOSO_TESTS_TESTING_LOADGEN_YEAR_H_
#define HOSO_TESTS_TESTING_LOADGEN_YEAR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/dossier_state_machine.h"
#include "engine/core/reference_data.h"
#include "engine/core/working_calendar.h"

namespace hoso::testing {

struct BuiltInReference {
  core::WorkingCalendar calendar;
  core::ProcedureCatalog catalog;
  core::AgencyList agencies;
};
// Loaded once; a failure to load fails the calling test.
const BuiltInReference& BuiltIn();
// A state machine over the built-in reference, default options.
std::unique_ptr<core::DossierStateMachine> BuiltInMachine();

// The JSON lines `hoso loadgen --dossiers N --seed S` writes.
std::vector<std::string> LoadgenLines(int64_t dossiers, uint64_t seed);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_LOADGEN_YEAR_H_
