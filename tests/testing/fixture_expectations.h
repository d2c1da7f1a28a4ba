// Expected results of the docs/domain.md KPI fixture
// (tests/data/fixture_bach_khoa_2019_06.jsonl), shared by every test that
// runs it through a different path (ingest, the alerts command, serve).
#ifndef HOSO_TESTS_TESTING_FIXTURE_EXPECTATIONS_H_
#define HOSO_TESTS_TESTING_FIXTURE_EXPECTATIONS_H_

#include <set>
#include <string>

namespace hoso::testing {

// The alerts docs/domain.md lists for D4 and D6 (D5 raises none), each as
// "<dossier_id> <kind> <fires_at>".
inline const std::set<std::string>& FixtureD4D6Alerts() {
  static const std::set<std::string> kAlerts = {
      "BK-2019-D4 apology_due 2019-06-10T08:00:00+07:00",
      "BK-2019-D4 due_soon 2019-06-10T09:00:00+07:00",
      "BK-2019-D4 overdue 2019-06-11T09:00:00+07:00",
      "BK-2019-D6 apology_due 2019-06-19T08:00:00+07:00",
      "BK-2019-D6 due_soon 2019-06-19T09:00:00+07:00",
      "BK-2019-D6 overdue 2019-06-20T09:00:00+07:00",
      "BK-2019-D6 apology_missing 2019-06-20T09:00:00+07:00",
  };
  return kAlerts;
}

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_FIXTURE_EXPECTATIONS_H_
