// What the "never a half-applied batch" tests share (docs/http.md
// "Consistency"): a stream of received-only dossiers, and readers that keep
// asking for the KPI report while a writer (`hoso ingest` or `hoso serve`)
// commits it, checking that every answer is one batch boundary.
#ifndef HOSO_TESTS_TESTING_LIVE_READS_H_
#define HOSO_TESTS_TESTING_LIVE_READS_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hoso::testing {

// Writes `count` `received` events of new dossiers LIVE-<first>…, at the
// Bách Khoa ward's desk in June 2019, one instant per 500 events, to `path`.
// Nothing is ever resolved, so at every batch boundary the KPI report's
// `received` equals its `open` (counted from another projection).
void WriteReceivedOnlyEvents(const std::string& path, int first, int count);

// The readers: each thread calls `fetch` (a KPI JSON body, or nothing when
// the request failed) until Stop(), and checks every answer with `torn`,
// which returns a description of what is wrong, or "" for a consistent answer.
class LiveReaders {
 public:
  struct Tally {
    int observations = 0;  // consistent or not
    int intermediate = 0;  // `received` strictly between `low` and `high`
    int torn = 0;
    std::string first_torn;
  };
  using Fetch = std::function<std::optional<std::string>()>;
  using Check = std::function<std::string(const std::string& body, int* received)>;

  // `low` and `high`: the `received` counts before and after the writer.
  LiveReaders(int threads, Fetch fetch, Check torn, int low, int high);
  ~LiveReaders();  // Stop()
  Tally Stop();

 private:
  void Read();

  Fetch fetch_;
  Check torn_;
  int low_;
  int high_;
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  Tally tally_;
  std::vector<std::thread> threads_;
};

// The usual check: `received` == `open` in the report's total, and
// `received` a multiple of `batch` (1 when batch sizes are not controlled).
std::string ReceivedEqualsOpen(const std::string& body, int batch, int* received);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_LIVE_READS_H_
