// SmallVector<T, N>: at most N values stored inline, for the bounded outputs
// of the state machine (a transition's counter increments and alerts) on the
// hot path, where a heap allocation per event would dominate.
#ifndef HOSO_ENGINE_CORE_SMALL_VECTOR_H_
#define HOSO_ENGINE_CORE_SMALL_VECTOR_H_

#include <array>
#include <cassert>
#include <cstddef>

namespace hoso::core {

template <typename T, size_t N>
class SmallVector {
 public:
  // REQUIRES: size() < N (the bound is part of the caller's contract).
  void push_back(const T& value) {
    assert(size_ < N && "SmallVector capacity exceeded");
    items_[size_++] = value;
  }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return items_[i]; }
  T& operator[](size_t i) { return items_[i]; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }

 private:
  std::array<T, N> items_{};
  size_t size_ = 0;
};

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_SMALL_VECTOR_H_
