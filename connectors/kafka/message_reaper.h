// Destroys consumed librdkafka messages on a thread of its own.
//
// librdkafka allocates each fetched message on its broker thread, so glibc
// keeps it in that thread's arena, and freeing it on another thread takes
// that arena's lock, which the broker thread holds while it allocates for
// the next fetch. The engine thread, destroying each batch's 8,192 messages
// before it polled the next, waited for that lock ~1,200 times in one
// `hoso bench kafka` (0.32 s of its 6.9 s; BENCHMARKS.md "Messages freed off
// the engine thread"). The reaper takes a batch's messages in O(1) and
// destroys them on "hoso-reaper" instead.
//
// A template so that its tests can hand it items other than messages.
#ifndef HOSO_CONNECTORS_KAFKA_MESSAGE_REAPER_H_
#define HOSO_CONNECTORS_KAFKA_MESSAGE_REAPER_H_

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "connectors/kafka/kafka_handles.h"

namespace hoso::connectors::kafka {

template <typename Item>
class Reaper {
 public:
  // At most this many batches wait for the thread: beyond, Take waits, so
  // what a slow reaper holds (messages pin their fetch buffers) stays
  // bounded.
  static constexpr size_t kMaxPending = 4;

  // Starts the thread.
  Reaper() : thread_([this] { Run(); }) {
    pthread_setname_np(thread_.native_handle(), "hoso-reaper");
  }
  // Destroys what it still holds, then ends the thread.
  ~Reaper() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_.notify_one();
    thread_.join();
  }
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Takes every item of `*items`, which is left empty (with the capacity
  // of a vector the reaper emptied before, when it has one); the items are
  // destroyed on the reaper's thread, in the order taken. Thread-safe.
  void Take(std::vector<Item>* items) {
    if (items->empty()) return;
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.size() < kMaxPending; });
    pending_.push_back(std::move(*items));
    items->clear();  // a moved-from vector is valid but unspecified
    if (!spare_.empty()) {
      *items = std::move(spare_.back());
      spare_.pop_back();
    }
    lock.unlock();
    work_.notify_one();
  }

  // Returns once every item taken so far is destroyed; for messages,
  // before the consumer they came from closes (librdkafka issue #2977).
  void Drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.empty() && !busy_; });
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      work_.wait(lock, [this] { return !pending_.empty() || stopping_; });
      if (pending_.empty()) return;  // stopping, and nothing left
      std::vector<Item> batch = std::move(pending_.front());
      pending_.pop_front();
      busy_ = true;
      lock.unlock();
      batch.clear();  // the items' destructors, off the caller's thread
      lock.lock();
      busy_ = false;
      if (spare_.size() < 2) spare_.push_back(std::move(batch));
      done_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable work_;  // pending_ filled, or stopping_
  std::condition_variable done_;  // a batch destroyed
  std::deque<std::vector<Item>> pending_;
  std::vector<std::vector<Item>> spare_;  // emptied, kept for their capacity
  bool busy_ = false;                     // destroying a batch taken off pending_
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

using MessageReaper = Reaper<MessagePtr>;

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_MESSAGE_REAPER_H_
