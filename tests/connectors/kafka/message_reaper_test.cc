#include "connectors/kafka/message_reaper.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace hoso::connectors::kafka {
namespace {

// What the items' destructors saw.
struct Ledger {
  std::mutex mutex;
  std::vector<int> destroyed;  // item numbers, in order
  std::vector<std::thread::id> threads;
};

// Holds the destructors of the items given it until opened.
struct Gate {
  std::mutex mutex;
  std::condition_variable opened_cv;
  bool opened = false;
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      opened = true;
    }
    opened_cv.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex);
    opened_cv.wait(lock, [this] { return opened; });
  }
};

// Records its number and the destroying thread in the ledger; when given a
// gate, first waits until the gate opens.
struct Item {
  Item(Ledger* ledger, int number, Gate* gate = nullptr)
      : ledger(ledger), number(number), gate(gate) {}
  Item(Item&& other) noexcept : ledger(other.ledger), number(other.number), gate(other.gate) {
    other.ledger = nullptr;
  }
  Item& operator=(Item&&) = delete;
  ~Item() {
    if (ledger == nullptr) return;  // moved from
    if (gate != nullptr) gate->Wait();
    std::lock_guard<std::mutex> lock(ledger->mutex);
    ledger->destroyed.push_back(number);
    ledger->threads.push_back(std::this_thread::get_id());
  }
  Ledger* ledger;
  int number;
  Gate* gate;
};

TEST(MessageReaperTest, DestroysEveryItemOnItsOwnThreadInTheOrderTaken) {
  Ledger ledger;
  {
    Reaper<Item> reaper;
    std::vector<Item> items;
    int number = 0;
    for (int batch = 0; batch < 10; ++batch) {
      for (int i = 0; i < 100; ++i) items.emplace_back(&ledger, number++);
      reaper.Take(&items);
      EXPECT_TRUE(items.empty()) << "batch " << batch;
    }
    reaper.Drain();
    std::lock_guard<std::mutex> lock(ledger.mutex);
    ASSERT_EQ(ledger.destroyed.size(), 1000u) << "Drain returned before every item was destroyed";
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(ledger.destroyed[i], i);
    for (const std::thread::id& thread : ledger.threads) {
      ASSERT_NE(thread, std::this_thread::get_id()) << "an item was destroyed by the caller";
    }
  }
}

TEST(MessageReaperTest, TakeReturnsAtOnceWhileTheThreadIsBusy) {
  Ledger ledger;
  Gate gate;
  Reaper<Item> reaper;
  std::vector<Item> items;
  items.emplace_back(&ledger, 0, &gate);  // holds the thread until opened
  reaper.Take(&items);
  // Up to kMaxPending more batches wait without blocking the caller (the
  // first may still be waiting too, if the thread has not taken it yet).
  for (size_t batch = 1; batch < Reaper<Item>::kMaxPending; ++batch) {
    items.emplace_back(&ledger, static_cast<int>(batch));
    reaper.Take(&items);
  }
  {
    std::lock_guard<std::mutex> lock(ledger.mutex);
    EXPECT_TRUE(ledger.destroyed.empty());
  }
  gate.Open();
  reaper.Drain();
  std::lock_guard<std::mutex> lock(ledger.mutex);
  EXPECT_EQ(ledger.destroyed.size(), Reaper<Item>::kMaxPending);
}

TEST(MessageReaperTest, DestroyingTheReaperDestroysWhatItHolds) {
  Ledger ledger;
  Gate gate;
  {
    Reaper<Item> reaper;
    std::vector<Item> items;
    items.emplace_back(&ledger, 0, &gate);
    reaper.Take(&items);
    items.emplace_back(&ledger, 1);
    reaper.Take(&items);
    gate.Open();
  }
  EXPECT_EQ(ledger.destroyed, (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace hoso::connectors::kafka
