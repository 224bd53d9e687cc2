// One activation buffer for a training step, carved into the named arrays of every layer.
//
// A plan is a function that asks the arena for its arrays in a fixed order (`take`). Arena::plan
// runs it twice: once to measure (no memory is touched), then, with a buffer of at least that
// size, to hand out the pointers. The buffer grows when a larger shape needs it and is otherwise
// reused, so a run with a fixed batch shape allocates (and page-faults) its activations once.
// Arrays start on 64-byte boundaries. Scratch that is only alive inside one layer's backward is
// shared between layers: mark() before a layer's scratch, rewind(mark) after it; the plan's size
// is the high-water mark.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>

namespace fl::engine {

template <typename T>
class Arena {
 public:
  // Runs plan(*this) to size it, then again to assign the pointers it takes.
  void plan(const std::function<void(Arena&)>& plan) {
    base_ = nullptr, used_ = 0, high_ = 0;
    plan(*this);
    if (high_ > capacity_) {
      buffer_.reset(static_cast<T*>(std::aligned_alloc(64, static_cast<size_t>(high_) * sizeof(T))));
      if (!buffer_) throw std::bad_alloc();
      capacity_ = high_;
    }
    base_ = buffer_.get(), used_ = 0, high_ = 0;
    plan(*this);
  }

  int64_t mark() const { return used_; }
  void rewind(int64_t mark) { used_ = mark; }

  // n elements (while measuring, a null pointer).
  T* take(int64_t n) {
    T* p = base_ ? base_ + used_ : nullptr;
    used_ += (n + kAlign - 1) / kAlign * kAlign;
    high_ = used_ > high_ ? used_ : high_;
    return p;
  }

  int64_t capacity() const { return capacity_; }  // elements

 private:
  static constexpr int64_t kAlign = 64 / sizeof(T) > 0 ? 64 / sizeof(T) : 1;
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> buffer_;
  T* base_ = nullptr;
  int64_t used_ = 0, high_ = 0, capacity_ = 0;
};

}  // namespace fl::engine
