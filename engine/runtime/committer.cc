#include "engine/runtime/committer.h"

#include <pthread.h>

namespace hoso::runtime {

Committer::Committer(projections::KvStore* store, bool threaded, size_t max_in_flight)
    : store_(store), threaded_(threaded), max_in_flight_(std::max<size_t>(1, max_in_flight)) {
  if (threaded_) {
    thread_ = std::thread([this] { Run(); });
    pthread_setname_np(thread_.native_handle(), "hoso-commit");
  }
}

Committer::~Committer() {
  if (!threaded_) return;
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.empty() || !error_.ok(); });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

core::Status Committer::Submit(std::unique_ptr<Commit> commit) {
  if (!threaded_) {
    if (!error_.ok()) return error_;
    commit->Prepare();
    core::Status s = store_->Write(*commit->batch);
    if (!s.ok()) return error_ = s;
    store_->Recycle(std::move(commit->batch));
    durable_.push_back(std::move(commit));
    return core::Status::Ok();
  }
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < max_in_flight_ || !error_.ok(); });
  if (!error_.ok()) return error_;
  queue_.push_back(std::move(commit));
  changed_.notify_all();
  return core::Status::Ok();
}

void Committer::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, nothing left
    Commit* commit = queue_.front().get();
    lock.unlock();
    commit->Prepare();
    core::Status s = store_->Write(*commit->batch);
    if (s.ok()) store_->Recycle(std::move(commit->batch));
    lock.lock();
    if (!s.ok()) {
      error_ = s;
      queue_.clear();
      changed_.notify_all();
      if (stopping_) return;
      continue;
    }
    durable_.push_back(std::move(queue_.front()));
    queue_.pop_front();
    changed_.notify_all();
  }
}

core::Status Committer::TakeDurable(std::vector<std::unique_ptr<Commit>>* durable) {
  std::lock_guard lock(mutex_);
  for (auto& commit : durable_) durable->push_back(std::move(commit));
  durable_.clear();
  return error_;
}

core::Status Committer::Drain() {
  if (!threaded_) return error_;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.empty() || !error_.ok(); });
  return error_;
}

size_t Committer::in_flight() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace hoso::runtime
