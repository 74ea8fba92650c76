// Copyright (c) 2026 sockmode contributors
// SPDX-License-Identifier: BSL-1.0
#ifndef SOCKMODE_DETAIL_FUNCTION_REF_HPP
#define SOCKMODE_DETAIL_FUNCTION_REF_HPP

#include <memory>
#include <type_traits>
#include <utility>

namespace sockmode::detail {

template <class Signature>
class function_ref;

// A non-owning callable reference: lets the header-only buffer templates hand one attempt
// to the compiled wait path without allocating.
template <class R, class... Args>
class function_ref<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, function_ref>>>
  function_ref(F&& f) noexcept  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace sockmode::detail

#endif  // SOCKMODE_DETAIL_FUNCTION_REF_HPP
