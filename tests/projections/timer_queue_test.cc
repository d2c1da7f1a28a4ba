// The timer queue hands its entries back earliest first, by fires_at, kind,
// due_at and the dossier's first log sequence, whatever the order of the
// pushes and pops in between.
#include "projections/timer_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace hoso::projections {
namespace {

TimerEntry Entry(int64_t fires_at, core::AlertKind kind, int64_t due_at, uint64_t order) {
  TimerEntry entry;
  entry.fires_at = core::LocalMinute{fires_at};
  entry.kind = kind;
  entry.due_at = core::LocalMinute{due_at};
  entry.dossier_order = order;
  entry.handle = static_cast<uint32_t>(order);
  return entry;
}

// The order timers fire in (timer_queue.h).
bool Earlier(const TimerEntry& a, const TimerEntry& b) {
  if (a.fires_at != b.fires_at) return a.fires_at < b.fires_at;
  if (a.kind != b.kind) return a.kind < b.kind;
  if (a.due_at != b.due_at) return a.due_at < b.due_at;
  return a.dossier_order < b.dossier_order;
}

// Everything of an entry the order reads, to compare sequences of them.
std::tuple<int64_t, core::AlertKind, int64_t, uint64_t> Key(const TimerEntry& entry) {
  return {entry.fires_at.value, entry.kind, entry.due_at.value, entry.dossier_order};
}

// Pops the queue's top, which must be the earliest entry of `reference`
// (what the queue holds, unordered); that entry leaves the reference too.
::testing::AssertionResult PopsTheEarliest(TimerQueue& queue, std::vector<TimerEntry>& reference,
                                           int64_t* fires_at) {
  auto earliest = std::min_element(reference.begin(), reference.end(), Earlier);
  if (queue.empty()) return ::testing::AssertionFailure() << "the queue is empty";
  if (Key(queue.top()) != Key(*earliest)) {
    return ::testing::AssertionFailure() << "top fires at " << queue.top().fires_at.value
                                         << ", the earliest entry at " << earliest->fires_at.value;
  }
  *fires_at = earliest->fires_at.value;
  reference.erase(earliest);
  queue.Pop();
  return ::testing::AssertionSuccess();
}

TEST(TimerQueueTest, TiesAreBrokenByKindThenAppointmentThenDossier) {
  TimerQueue queue;
  queue.Push(Entry(10, core::AlertKind::kOverdue, 5, 1));
  queue.Push(Entry(10, core::AlertKind::kDueSoon, 9, 3));
  queue.Push(Entry(10, core::AlertKind::kDueSoon, 9, 2));
  queue.Push(Entry(10, core::AlertKind::kDueSoon, 8, 4));
  queue.Push(Entry(9, core::AlertKind::kOverdue, 99, 5));
  std::vector<uint64_t> order;
  while (!queue.empty()) {
    order.push_back(queue.top().dossier_order);
    queue.Pop();
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{5, 4, 2, 3, 1}));
}

TEST(TimerQueueTest, InterleavedPushesAndPopsComeOutInOrder) {
  std::mt19937_64 random(7);
  TimerQueue queue;
  std::vector<TimerEntry> reference;  // what the queue holds, unordered
  const core::AlertKind kinds[] = {core::AlertKind::kDueSoon, core::AlertKind::kOverdue,
                                   core::AlertKind::kApologyDue};
  uint64_t next_order = 1;
  for (int round = 0; round < 20000; ++round) {
    // Bursts of pushes (few distinct minutes, so ties are common), then pops.
    const int pushes = static_cast<int>(random() % 7);
    for (int i = 0; i < pushes; ++i) {
      const TimerEntry entry = Entry(static_cast<int64_t>(random() % 50), kinds[random() % 3],
                                     static_cast<int64_t>(random() % 4), next_order++);
      queue.Push(entry);
      reference.push_back(entry);
    }
    const int pops = static_cast<int>(random() % 6);
    for (int i = 0; i < pops && !reference.empty(); ++i) {
      int64_t fires_at = 0;
      ASSERT_TRUE(PopsTheEarliest(queue, reference, &fires_at)) << "round " << round;
    }
    ASSERT_EQ(queue.size(), reference.size());
  }
  std::sort(reference.begin(), reference.end(), Earlier);
  for (const TimerEntry& expected : reference) {
    ASSERT_EQ(Key(queue.top()), Key(expected));
    queue.Pop();
  }
  EXPECT_TRUE(queue.empty());
  queue.Push(Entry(1, core::AlertKind::kOverdue, 1, 1));
  queue.Clear();
  EXPECT_TRUE(queue.empty());
}

// The engine's pattern on a year: minutes spread over months and years
// (either side of the epoch), most pushes later than the last pop, some
// already due (earlier than it), and long runs of pops; the same entries
// must come out in the same order as from a plain sorted reference.
TEST(TimerQueueTest, MinutesFarApartAndAlreadyDueComeOutInOrder) {
  std::mt19937_64 random(11);
  TimerQueue queue;
  std::vector<TimerEntry> reference;
  const core::AlertKind kinds[] = {core::AlertKind::kDueSoon, core::AlertKind::kOverdue,
                                   core::AlertKind::kApologyDue};
  int64_t now = -3 * 525600;  // three years before 1970, in minutes
  uint64_t next_order = 1;
  size_t popped = 0;
  for (int round = 0; round < 4000; ++round) {
    // Now and then a burst, so that buckets span many blocks.
    const int pushes = static_cast<int>(round % 400 == 0 ? 1500 : random() % 40);
    for (int i = 0; i < pushes; ++i) {
      int64_t fires_at;
      switch (random() % 4) {
        case 0:  // already due: up to a day before the last pop
          fires_at = now - static_cast<int64_t>(random() % 1440);
          break;
        case 1:  // the same minute as the last pop
          fires_at = now;
          break;
        default:  // up to half a year later
          fires_at = now + static_cast<int64_t>(random() % 262800);
      }
      const TimerEntry entry = Entry(fires_at, kinds[random() % 3],
                                     fires_at + static_cast<int64_t>(random() % 3), next_order++);
      queue.Push(entry);
      reference.push_back(entry);
    }
    const int pops = static_cast<int>(random() % 45);
    for (int i = 0; i < pops && !reference.empty(); ++i) {
      int64_t fires_at = 0;
      ASSERT_TRUE(PopsTheEarliest(queue, reference, &fires_at))
          << "round " << round << ", pop " << popped;
      now = std::max(now, fires_at);
      ++popped;
    }
    ASSERT_EQ(queue.size(), reference.size());
    if (round == 2000) {
      // A queue moved mid-way goes on where it was; the one moved from is empty.
      TimerQueue moved = std::move(queue);
      EXPECT_TRUE(queue.empty());  // NOLINT(bugprone-use-after-move): the contract
      queue = std::move(moved);
    }
  }
  std::sort(reference.begin(), reference.end(), Earlier);
  for (const TimerEntry& expected : reference) {
    ASSERT_EQ(Key(queue.top()), Key(expected));
    queue.Pop();
  }
  EXPECT_TRUE(queue.empty());
  EXPECT_GT(popped, 50000u);
  // Cleared, it starts over at any minute, earlier ones included.
  queue.Push(Entry(5, core::AlertKind::kOverdue, 5, 1));
  queue.Clear();
  queue.Push(Entry(-7, core::AlertKind::kOverdue, 1, 2));
  queue.Push(Entry(-9, core::AlertKind::kOverdue, 1, 3));
  EXPECT_EQ(queue.top().dossier_order, 3u);
}

}  // namespace
}  // namespace hoso::projections
