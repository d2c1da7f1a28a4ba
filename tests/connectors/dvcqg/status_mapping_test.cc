// The code mapping: the national default, a site's overrides over it, and
// clear refusals of anything else.
#include "connectors/dvcqg/status_mapping.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace hoso::connectors::dvcqg {
namespace {

TEST(StatusMappingTest, TheShippedDefaultFileIsTheBuiltInDefault) {
  std::ifstream in(std::string(HOSO_SOURCE_DIR) + "/schemas/reference/dvcqg-mapping.json");
  ASSERT_TRUE(in) << "schemas/reference/dvcqg-mapping.json";
  std::stringstream text;
  text << in.rdbuf();
  // Applied over an empty mapping, the file alone must give the default.
  StatusMapping empty;
  empty.online_level = 4;
  auto from_file = ApplyMappingFile(text.str(), empty);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  const StatusMapping builtin = DefaultStatusMapping();
  EXPECT_EQ(from_file->dossier_status, builtin.dossier_status);
  EXPECT_EQ(from_file->progress_status, builtin.progress_status);
  EXPECT_EQ(from_file->channel, builtin.channel);
  EXPECT_EQ(from_file->online_level, builtin.online_level);
}

TEST(StatusMappingTest, TheNationalCodesMeanWhatTheLawSays) {
  const StatusMapping mapping = DefaultStatusMapping();
  EXPECT_EQ(mapping.DossierStatus("2"), StatusMeaning::kReceived);
  EXPECT_EQ(mapping.DossierStatus("3"), StatusMeaning::kRefusedAtReception);
  EXPECT_EQ(mapping.DossierStatus("5"), StatusMeaning::kSupplementRequested);
  EXPECT_EQ(mapping.DossierStatus("7"), StatusMeaning::kWithdrawn);
  EXPECT_EQ(mapping.DossierStatus("10"), StatusMeaning::kResultReturned);
  EXPECT_EQ(mapping.DossierStatus("11"), std::nullopt) << "an unknown code is never guessed";
  EXPECT_EQ(mapping.DossierStatus("02"), std::nullopt) << "codes are compared as text";
  EXPECT_EQ(mapping.ChannelOf("1"), core::Channel::kDirect);
  EXPECT_EQ(mapping.ChannelOf("2"), core::Channel::kOnline);
  EXPECT_EQ(mapping.ChannelOf("3"), core::Channel::kPostal);
  for (int i = 0; i < kStatusMeaningCount; ++i) {
    const auto meaning = static_cast<StatusMeaning>(i);
    EXPECT_EQ(StatusMeaningFromName(StatusMeaningName(meaning)), meaning);
  }
}

TEST(StatusMappingTest, ASiteFileOverridesAddsAndRemovesCodes) {
  auto site = ApplyMappingFile(R"({
    "dossier_status": {"8": "withdrawn", "12": "in_progress", "6": null},
    "progress_status": {"DXL": "in_progress"},
    "channel": {"0": "direct", "3": null},
    "agency_codes": {"000.22.31.H26": "phuong-bach-khoa", "000.00.12.H26": "hbt-phong-tu-phap"},
    "online_level": 4
  })",
                               DefaultStatusMapping());
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  EXPECT_EQ(site->DossierStatus("8"), StatusMeaning::kWithdrawn);
  EXPECT_EQ(site->DossierStatus("12"), StatusMeaning::kInProgress);
  EXPECT_EQ(site->DossierStatus("6"), std::nullopt);
  EXPECT_EQ(site->DossierStatus("2"), StatusMeaning::kReceived) << "the rest is kept";
  EXPECT_EQ(site->ProgressStatus("DXL"), StatusMeaning::kInProgress);
  EXPECT_EQ(site->ChannelOf("0"), core::Channel::kDirect);
  EXPECT_EQ(site->ChannelOf("3"), std::nullopt);
  EXPECT_EQ(site->online_level, 4);
  EXPECT_EQ(site->AgencyId("000.22.31.H26"), "phuong-bach-khoa");
  EXPECT_EQ(site->AgencyId("phuong-bach-mai"), "phuong-bach-mai") << "a code not named is kept";
  auto again = ApplyMappingFile(R"({"agency_codes": {"000.00.12.H26": null}})", *site);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->AgencyId("000.00.12.H26"), "000.00.12.H26");
  EXPECT_EQ(again->AgencyId("000.22.31.H26"), "phuong-bach-khoa");
}

TEST(StatusMappingTest, RefusesWhatTheSchemaDoesNotAllowAndSaysWhere) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "not JSON"},
      {"[]", "must be an object"},
      {R"({"dossier_status": {"2": "accepted"}})", "dossier_status[\"2\"]"},
      {R"({"dossier_status": {"2": 2}})", "dossier_status[\"2\"]"},
      {R"({"channel": {"2": "internet"}})", "channel[\"2\"]"},
      {R"({"dossier_status": []})", "dossier_status must be an object"},
      {R"({"online_level": 2})", "online_level"},
      {R"({"agency_codes": {"H26": ""}})", "agency_codes[\"H26\"]: \"\" is not an agency id"},
      {R"({"agency_codes": {"H26": 7}})", "agency_codes[\"H26\"]"},
      {R"({"schema_version": 2})", "schema_version"},
      {R"({"statuses": {}})", "unknown key \"statuses\""},
  };
  for (const auto& [text, expected] : cases) {
    auto mapping = ApplyMappingFile(text, DefaultStatusMapping());
    ASSERT_FALSE(mapping.ok()) << text;
    EXPECT_NE(mapping.status().message().find(expected), std::string::npos)
        << text << " -> " << mapping.status().message();
  }
}

}  // namespace
}  // namespace hoso::connectors::dvcqg
