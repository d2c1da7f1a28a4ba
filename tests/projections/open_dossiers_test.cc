// CountOpen's rules, and OpenCounter (what the engine's month end counts
// with) giving CountOpen's cells for the same dossiers, added in any order.
#include "projections/open_dossiers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/event.h"

namespace hoso::projections {
namespace {

constexpr int64_t kMinuteMs = 60'000;

struct Dossier {
  std::string id;
  core::DossierState state;
};

core::DossierState StateOf(core::IdTable* ids, std::string_view agency, std::string_view procedure,
                           int64_t received_minute, int64_t due_minute, core::DossierStatus status,
                           bool paused_late) {
  core::DossierState state;
  state.receiving_agency = ids->Intern(agency);
  state.procedure = ids->Intern(procedure);
  state.received_at = core::Instant{received_minute * kMinuteMs};
  state.due_at = core::LocalMinute{due_minute};
  state.status = status;
  state.paused_late = paused_late;
  return state;
}

bool SameCells(const std::vector<core::OpenCell>& a, const std::vector<core::OpenCell>& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(), [](const core::OpenCell& x, const core::OpenCell& y) {
        return x.agency_id == y.agency_id && x.procedure_id == y.procedure_id && x.open == y.open &&
               x.open_overdue == y.open_overdue && x.feedback_open == y.feedback_open &&
               x.feedback_open_overdue == y.feedback_open_overdue;
      });
}

TEST(OpenDossiersTest, CountOpenAppliesItsRules) {
  core::IdTable ids;
  // as_of is minute 1,000 UTC; due_at is local (UTC+07:00, 420 minutes ahead).
  const core::Instant as_of{1'000 * kMinuteMs};
  const int64_t local_as_of = 1'000 + 420;
  OpenDossiers open;
  auto add = [&](std::string id, std::string_view agency, int64_t received, int64_t due,
                 core::DossierStatus status, bool paused_late) {
    open.emplace(std::move(id),
                 SummaryOf(StateOf(&ids, agency, "P1", received, due, status, paused_late), ids));
  };
  add("HS-1", "B", 10, local_as_of + 1, core::DossierStatus::kOpen, false);     // on time
  add("HS-2", "B", 10, local_as_of - 1, core::DossierStatus::kOpen, false);     // overdue
  add("HS-3", "B", 10, local_as_of - 1, core::DossierStatus::kPaused, false);   // paused in time
  add("HS-4", "B", 10, local_as_of + 1, core::DossierStatus::kPaused, true);    // paused late
  add("HS-5", "B", 1'001, local_as_of + 9, core::DossierStatus::kOpen, false);  // after as_of
  add("HS-6", "A", 10, local_as_of + 1, core::DossierStatus::kOpen, false);
  add(std::string(core::kFeedbackChainPrefix) + "F1", "A", 10, local_as_of - 1,
      core::DossierStatus::kOpen, false);  // awaiting its answer, overdue
  add(std::string(core::kFeedbackChainPrefix) + "F2", "A", 10, local_as_of - 1,
      core::DossierStatus::kPaused, false);  // answered: not counted
  add(std::string(core::kDialogueChainPrefix) + "W1", "A", 10, local_as_of - 1,
      core::DossierStatus::kOpen, false);  // an agency's chain: no dossier

  const std::vector<core::OpenCell> cells = CountOpen(open, as_of);
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].agency_id, "A");  // byte order of (agency, procedure)
  EXPECT_EQ(cells[0].open, 1);
  EXPECT_EQ(cells[0].open_overdue, 0);
  EXPECT_EQ(cells[0].feedback_open, 1);
  EXPECT_EQ(cells[0].feedback_open_overdue, 1);
  EXPECT_EQ(cells[1].agency_id, "B");
  EXPECT_EQ(cells[1].procedure_id, "P1");
  EXPECT_EQ(cells[1].open, 4);
  EXPECT_EQ(cells[1].open_overdue, 2);
  EXPECT_EQ(cells[1].feedback_open, 0);
}

TEST(OpenDossiersTest, OpenCounterGivesCountOpensCellsInAnyOrder) {
  core::IdTable ids;
  std::mt19937_64 random(11);
  const core::Instant as_of{50'000 * kMinuteMs};
  std::vector<Dossier> dossiers;
  for (int i = 0; i < 5'000; ++i) {
    std::string id;
    switch (random() % 8) {
      case 0:
        id = std::string(core::kFeedbackChainPrefix);
        break;
      case 1:
        id = std::string(core::kDialogueChainPrefix);
        break;
      default:
        id = "HS-";
    }
    id += std::to_string(i);
    const std::string agency = "agency-" + std::to_string(random() % 7);
    const std::string procedure = "procedure-" + std::to_string(random() % 13);
    const int64_t received = 40'000 + static_cast<int64_t>(random() % 11'000);
    const int64_t due = received + static_cast<int64_t>(random() % 20'000);
    const auto status = static_cast<core::DossierStatus>(random() % 2);
    dossiers.push_back({id, StateOf(&ids, agency, procedure, received, due, status, random() % 2)});
  }
  OpenDossiers open;
  for (const Dossier& dossier : dossiers) open.emplace(dossier.id, SummaryOf(dossier.state, ids));
  const std::vector<core::OpenCell> expected = CountOpen(open, as_of);
  ASSERT_GT(expected.size(), 20u);

  std::shuffle(dossiers.begin(), dossiers.end(), random);
  OpenCounter counter(as_of);
  for (const Dossier& dossier : dossiers) counter.Add(dossier.id, dossier.state, ids);
  EXPECT_TRUE(SameCells(counter.Take(), expected));
  // Take leaves it empty, ready for the next month end.
  EXPECT_TRUE(counter.Take().empty());
}

}  // namespace
}  // namespace hoso::projections
