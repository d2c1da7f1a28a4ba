// Test helpers for long-running processes (`hoso broker`, `hoso serve`):
// a child process killed by its destructor, and polling with a deadline
// (tests never sleep blindly; they wait for a condition).
#ifndef HOSO_TESTS_TESTING_CHILD_PROCESS_H_
#define HOSO_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace hoso::testing {

// A child process (no shell) with stdout and stderr appended to `log_path`;
// SIGKILLed and reaped by the destructor if still running.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& log_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Sends `signal`, waits, and returns the wait status.
  int Stop(int signal);
  // True (with its wait status) once the child has exited by itself; then
  // running() is false. Does not wait.
  bool Exited(int* status);

 private:
  pid_t pid_ = -1;
};

// Polls `condition` every 200 ms until it holds or `limit` passes; returns
// its last value.
bool WaitFor(const std::function<bool()>& condition, std::chrono::seconds limit);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_CHILD_PROCESS_H_
