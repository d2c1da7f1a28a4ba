#include "schemas/codec/reference_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace hoso::codec {
namespace {

using core::AgencyLevel;
using core::ProcessingKind;
using core::StatusCode;

constexpr std::string_view kCatalog = R"({
  "version": "test-1",
  "description": "two procedures",
  "procedures": [
    {"procedure_id": "1.001612", "name": "Đăng ký khai sinh", "level": "ward",
     "processing": {"same_day": true}, "online_level_offered": 3, "one_stop": true},
    {"procedure_id": "2.000908", "name": "Cấp giấy phép xây dựng", "level": "district",
     "processing": {"working_days": 15}, "online_level_offered": 0, "one_stop": false},
    {"procedure_id": "3", "name": "x", "level": "ward",
     "processing": {"calendar_days": 30.0}, "online_level_offered": 4, "one_stop": true}
  ]
})";

constexpr std::string_view kAgencies = R"({
  "version": "test-1",
  "agencies": [
    {"agency_id": "ward-bach-dang", "name": "Phường Bạch Đằng", "kind": "ward", "parent": "hbt"},
    {"agency_id": "office-justice", "name": "Phòng Tư pháp", "kind": "district_office", "parent": "hbt"},
    {"agency_id": "hbt", "name": "Quận Hai Bà Trưng", "kind": "district"}
  ]
})";

// A catalog whose only procedure has `fields` (JSON members, no braces).
std::string CatalogWith(const std::string& fields) {
  return R"({"version":"v","procedures":[{"procedure_id":"p0","name":"n","level":"ward",)"
         R"("processing":{"working_days":1},"online_level_offered":0,"one_stop":true},{)" +
         fields + "}]}";
}
// The members of a valid procedure "p1", with `key` set to `json_value`
// (removed when `json_value` is empty).
std::string ProcedureWith(const std::string& key = "", const std::string& json_value = "") {
  const std::vector<std::pair<std::string, std::string>> members = {
      {"procedure_id", R"("p1")"},   {"name", R"("n")"},
      {"level", R"("ward")"},        {"processing", R"({"working_days":2})"},
      {"online_level_offered", "1"}, {"one_stop", "true"}};
  std::string out;
  for (const auto& [name, value] : members) {
    const std::string& chosen = name == key ? json_value : value;
    if (chosen.empty()) continue;
    if (!out.empty()) out += ",";
    out += "\"" + name + "\":" + chosen;
  }
  return out;
}

void ExpectInvalid(const core::Status& status, std::string_view message_start) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_EQ(status.message().rfind(message_start, 0), 0u)
      << "message should start with '" << message_start << "': " << status.message();
}

TEST(ReferenceLoaderTest, ValidCatalogLoads) {
  const core::Result<core::ProcedureCatalog> catalog = ParseCatalogJson(kCatalog);
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  ASSERT_EQ(catalog->all().size(), 3u);
  const core::Procedure* birth = catalog->Find("1.001612");
  ASSERT_NE(birth, nullptr);
  EXPECT_EQ(birth->name, "Đăng ký khai sinh");
  EXPECT_EQ(birth->level, AgencyLevel::kWard);
  EXPECT_EQ(birth->processing.kind, ProcessingKind::kSameDay);
  EXPECT_EQ(birth->online_level_offered, 3);
  EXPECT_TRUE(birth->one_stop);
  const core::Procedure* building = catalog->Find("2.000908");
  ASSERT_NE(building, nullptr);
  EXPECT_EQ(building->level, AgencyLevel::kDistrict);
  EXPECT_EQ(building->processing, (core::ProcessingTime{ProcessingKind::kWorkingDays, 15}));
  EXPECT_FALSE(building->one_stop);
  EXPECT_EQ(catalog->Find("3")->processing,
            (core::ProcessingTime{ProcessingKind::kCalendarDays, 30}));
  EXPECT_EQ(catalog->Find("nope"), nullptr);
}

TEST(ReferenceLoaderTest, ValidAgencyListLoads) {
  const core::Result<core::AgencyList> agencies = ParseAgenciesJson(kAgencies);
  ASSERT_TRUE(agencies.ok()) << agencies.status().ToString();
  ASSERT_EQ(agencies->all().size(), 3u);
  const core::Agency* ward = agencies->Find("ward-bach-dang");
  ASSERT_NE(ward, nullptr);
  EXPECT_EQ(ward->name, "Phường Bạch Đằng");
  EXPECT_EQ(ward->kind, "ward");
  EXPECT_EQ(ward->parent, "hbt");
  EXPECT_EQ(ward->level, AgencyLevel::kWard);
  EXPECT_EQ(agencies->Find("office-justice")->level, AgencyLevel::kDistrict);
  const core::Agency* district = agencies->Find("hbt");
  EXPECT_EQ(district->level, AgencyLevel::kDistrict);
  EXPECT_EQ(district->parent, "");
}

TEST(ReferenceLoaderTest, EmptyListsLoad) {
  EXPECT_TRUE(ParseCatalogJson(R"({"version":"v","procedures":[]})").ok());
  EXPECT_TRUE(ParseAgenciesJson(R"({"version":"v","agencies":[]})").ok());
}

TEST(ReferenceLoaderTest, CatalogErrorsNameTheEntry) {
  ASSERT_TRUE(ParseCatalogJson(CatalogWith(ProcedureWith())).ok());
  ExpectInvalid(ParseCatalogJson(CatalogWith(ProcedureWith("processing", ""))).status(),
                "procedures[1].processing: missing");
  ExpectInvalid(ParseCatalogJson(CatalogWith(ProcedureWith(
                                     "processing", R"({"working_days":1,"same_day":true})")))
                    .status(),
                "procedures[1].processing: needs exactly one");
  ExpectInvalid(
      ParseCatalogJson(CatalogWith(ProcedureWith("processing", R"({"working_days":0})"))).status(),
      "procedures[1].processing.working_days: out of range 1..365");
  ExpectInvalid(
      ParseCatalogJson(CatalogWith(ProcedureWith("processing", R"({"same_day":false})"))).status(),
      "procedures[1].processing.same_day: must be true");
  ExpectInvalid(ParseCatalogJson(CatalogWith(ProcedureWith("level", R"("province")"))).status(),
                "procedures[1].level: must be one of ward, district");
  ExpectInvalid(
      ParseCatalogJson(CatalogWith(ProcedureWith("online_level_offered", R"(5)"))).status(),
      "procedures[1].online_level_offered: out of range 0..4");
  ExpectInvalid(
      ParseCatalogJson(CatalogWith(ProcedureWith("online_level_offered", R"("3")"))).status(),
      "procedures[1].online_level_offered: not an integer");
  ExpectInvalid(ParseCatalogJson(CatalogWith(ProcedureWith("one_stop", R"(1)"))).status(),
                "procedures[1].one_stop: not a boolean");
  ExpectInvalid(ParseCatalogJson(CatalogWith(ProcedureWith("name", R"("")"))).status(),
                "procedures[1].name: empty");
  ExpectInvalid(ParseCatalogJson(CatalogWith(ProcedureWith() + R"(,"fee":1000)")).status(),
                "procedures[1].fee: unknown field");
  ExpectInvalid(ParseCatalogJson(CatalogWith(ProcedureWith("procedure_id", R"("p0")"))).status(),
                "procedures[1].procedure_id: duplicate id 'p0'");
  ExpectInvalid(ParseCatalogJson(CatalogWith(ProcedureWith("procedure_id",
                                                           R"(")" + std::string(129, 'p') + "\"")))
                    .status(),
                "procedures[1].procedure_id: longer than 128 characters");
}

TEST(ReferenceLoaderTest, MalformedDocumentsAreInvalidArgument) {
  ExpectInvalid(ParseCatalogJson("").status(), "not valid JSON");
  ExpectInvalid(ParseCatalogJson(R"({"version":"v","procedures":[)").status(), "not valid JSON");
  ExpectInvalid(ParseCatalogJson("[]").status(), "not an object");
  ExpectInvalid(ParseCatalogJson(R"({"procedures":[]})").status(), "version: missing");
  ExpectInvalid(ParseCatalogJson(R"({"version":"","procedures":[]})").status(), "version: empty");
  ExpectInvalid(ParseCatalogJson(R"({"version":"v"})").status(), "procedures: missing");
  ExpectInvalid(ParseCatalogJson(R"({"version":"v","procedures":{}})").status(),
                "procedures: not an array");
  ExpectInvalid(ParseCatalogJson(R"({"version":"v","procedures":[],"source":"x"})").status(),
                "source: unknown field");
  ExpectInvalid(ParseCatalogJson(R"({"version":"v","procedures":[3]})").status(),
                "procedures[0]: not an object");
  ExpectInvalid(ParseCatalogJson(R"({"version":"v","version":"w","procedures":[]})").status(),
                "duplicate key 'version'");
  ExpectInvalid(ParseAgenciesJson(R"({"version":"v","agencies":[{"agency_id":"a","name":"n",)"
                                  R"("kind":"ward","kind":"ward"}]})")
                    .status(),
                "duplicate key 'kind'");
}

TEST(ReferenceLoaderTest, AgencyErrorsNameTheEntry) {
  ExpectInvalid(ParseAgenciesJson(R"({"version":"v","agencies":[{"agency_id":"a","name":"n",)"
                                  R"("kind":"province"}]})")
                    .status(),
                "agencies[0].kind: must be one of ward, district_office, district");
  ExpectInvalid(
      ParseAgenciesJson(R"({"version":"v","agencies":[{"agency_id":"a","name":"n"}]})").status(),
      "agencies[0].kind: missing");
  ExpectInvalid(
      ParseAgenciesJson(R"({"version":"v","agencies":[{"agency_id":"a","name":"n","kind":"ward"},)"
                        R"({"agency_id":"a","name":"m","kind":"ward"}]})")
          .status(),
      "agencies[1].agency_id: duplicate id 'a'");
  ExpectInvalid(ParseAgenciesJson(R"({"version":"v","agencies":[{"agency_id":"a","name":"n",)"
                                  R"("kind":"ward","parent":"nowhere"}]})")
                    .status(),
                "agencies[0].parent: 'nowhere' is not another agency");
  ExpectInvalid(ParseAgenciesJson(R"({"version":"v","agencies":[{"agency_id":"a","name":"n",)"
                                  R"("kind":"ward","parent":""}]})")
                    .status(),
                "agencies[0].parent: empty");
  ExpectInvalid(ParseAgenciesJson(R"({"version":"v","agencies":[{"agency_id":"a","name":"n",)"
                                  R"("kind":"ward","address":"x"}]})")
                    .status(),
                "agencies[0].address: unknown field");
}

TEST(ReferenceLoaderTest, FilesLoadAndUnreadableFilesAreIOErrors) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("hoso_reference_loader_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string catalog_path = (dir / "catalog.json").string();
  const std::string agencies_path = (dir / "agencies.json").string();
  std::ofstream(catalog_path) << kCatalog;
  std::ofstream(agencies_path) << kAgencies;
  EXPECT_TRUE(LoadCatalogFile(catalog_path).ok());
  EXPECT_TRUE(LoadAgenciesFile(agencies_path).ok());

  const std::string missing = (dir / "missing.json").string();
  const core::Status catalog_status = LoadCatalogFile(missing).status();
  EXPECT_EQ(catalog_status.code(), StatusCode::kIOError);
  EXPECT_NE(catalog_status.message().find(missing), std::string::npos) << catalog_status.message();
  EXPECT_EQ(LoadAgenciesFile(missing).status().code(), StatusCode::kIOError);
  EXPECT_EQ(LoadCatalogFile(dir.string()).status().code(), StatusCode::kIOError);

  // A parse error in a file names the file.
  std::ofstream(catalog_path) << "{";
  const core::Status bad = LoadCatalogFile(catalog_path).status();
  ExpectInvalid(bad, catalog_path + ": not valid JSON");
  std::filesystem::remove_all(dir);
}

// The reference data shipped in schemas/reference (compiled into `hoso`)
// must load; schema_agreement also checks it against the schema files.
TEST(ReferenceLoaderTest, ShippedReferenceDataLoads) {
  const std::string dir = std::string(HOSO_SOURCE_DIR) + "/schemas/reference/";
  const core::Result<core::ProcedureCatalog> catalog =
      LoadCatalogFile(dir + "hbt-2019-procedures.json");
  EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
  const core::Result<core::AgencyList> agencies = LoadAgenciesFile(dir + "hbt-2019-agencies.json");
  EXPECT_TRUE(agencies.ok()) << agencies.status().ToString();
}

}  // namespace
}  // namespace hoso::codec
