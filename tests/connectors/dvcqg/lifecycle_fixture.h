// The lifecycle fixture of the DVCQG tests (fixtures/): the sync records, the
// same dossiers as native events, the site's mapping, and the personal
// values the records carry, none of which may be stored or passed on.
#ifndef HOSO_TESTS_CONNECTORS_DVCQG_LIFECYCLE_FIXTURE_H_
#define HOSO_TESTS_CONNECTORS_DVCQG_LIFECYCLE_FIXTURE_H_

#include <gtest/gtest.h>

#include <string>

#include "tests/testing/cli_runner.h"

namespace hoso::testing {

inline const std::string kDvcqgFeed =
    SourcePath("tests/connectors/dvcqg/fixtures/lifecycles.snapshots.jsonl");
inline const std::string kDvcqgNative =
    SourcePath("tests/connectors/dvcqg/fixtures/lifecycles.native.jsonl");
inline const std::string kDvcqgSiteMapping =
    SourcePath("tests/connectors/dvcqg/fixtures/site-mapping.json");

// What the fixture's applicants and their requests say about them.
inline const char* const kDvcqgPersonal[] = {"Lê Thị Cúc",  "0987654321",    "cuc.le@example.vn",
                                             "Lò Đúc",      "001190054321",  "Phạm Văn Dũng",
                                             "0901234567",  "Thiếu giấy tờ", "Ngô Văn Em",
                                             "Chuyên viên", "Xử lý hồ sơ"};

inline void ExpectNoPersonalData(const std::string& where, const std::string& bytes) {
  for (const char* personal : kDvcqgPersonal) {
    EXPECT_EQ(bytes.find(personal), std::string::npos) << personal << " in " << where;
  }
}

}  // namespace hoso::testing

#endif  // HOSO_TESTS_CONNECTORS_DVCQG_LIFECYCLE_FIXTURE_H_
