#include "engine/runtime/ordered_stage.h"

#include <pthread.h>

#include <algorithm>

namespace hoso::runtime {

OrderedStage::OrderedStage(std::string thread_name, Step step, bool threaded, size_t max_in_flight,
                           OrderedStage* next)
    : step_([step = std::move(step)](std::span<Commit* const> commits) {
        return step(commits.front());
      }),
      grouped_(false),
      next_(next),
      threaded_(threaded),
      max_in_flight_(std::max<size_t>(1, max_in_flight)) {
  Start(std::move(thread_name));
}

OrderedStage::OrderedStage(std::string thread_name, GroupStep step, bool threaded,
                           size_t max_in_flight)
    : step_(std::move(step)),
      grouped_(true),
      next_(nullptr),
      threaded_(threaded),
      max_in_flight_(std::max<size_t>(1, max_in_flight)) {
  Start(std::move(thread_name));
}

void OrderedStage::Start(std::string thread_name) {
  if (threaded_) {
    thread_ = std::thread([this] { Run(); });
    thread_name.resize(std::min<size_t>(thread_name.size(), 15));  // the kernel's limit
    pthread_setname_np(thread_.native_handle(), thread_name.c_str());
  }
}

OrderedStage::~OrderedStage() {
  if (!threaded_) return;
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.empty() || !error_.ok(); });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

core::Status OrderedStage::Submit(std::unique_ptr<Commit> commit) {
  if (!threaded_) {
    if (!error_.ok()) return error_;
    Commit* const one[] = {commit.get()};
    core::Status s = step_(one);
    if (s.ok()) s = HandOn(std::move(commit));
    if (!s.ok()) return error_ = s;
    return core::Status::Ok();
  }
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < max_in_flight_ || !error_.ok(); });
  if (!error_.ok()) return error_;
  queue_.push_back(std::move(commit));
  changed_.notify_all();
  return core::Status::Ok();
}

void OrderedStage::Run() {
  std::vector<Commit*> commits;
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, nothing left
    // Only this thread pops the queue, and a deque's push_back leaves
    // references to its elements valid: the slots taken stay put while
    // Submit adds behind them. A commit stays in the queue (counted in
    // flight, so Drain waits for it) until the next stage has taken it.
    const size_t taken = grouped_ ? queue_.size() : 1;
    commits.clear();
    for (size_t i = 0; i < taken; ++i) commits.push_back(queue_[i].get());
    std::unique_ptr<Commit>& front = queue_.front();
    lock.unlock();
    core::Status s = step_(commits);
    if (s.ok() && next_ != nullptr) s = next_->Submit(std::move(front));
    lock.lock();
    if (!s.ok()) {
      error_ = s;
      queue_.clear();
      changed_.notify_all();
      if (stopping_) return;
      continue;
    }
    for (size_t i = 0; i < taken; ++i) {
      if (next_ == nullptr) done_.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    changed_.notify_all();
  }
}

core::Status OrderedStage::HandOn(std::unique_ptr<Commit> commit) {
  if (next_ != nullptr) return next_->Submit(std::move(commit));
  done_.push_back(std::move(commit));
  return core::Status::Ok();
}

core::Status OrderedStage::TakeDone(std::vector<std::unique_ptr<Commit>>* done) {
  std::lock_guard lock(mutex_);
  for (auto& commit : done_) done->push_back(std::move(commit));
  done_.clear();
  return error_;
}

core::Status OrderedStage::Drain() {
  if (threaded_) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.empty() || !error_.ok(); });
    if (!error_.ok()) return error_;
  } else if (!error_.ok()) {
    return error_;
  }
  return next_ != nullptr ? next_->Drain() : core::Status::Ok();
}

size_t OrderedStage::in_flight() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace hoso::runtime
