# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Warnings for sockmode's own targets only: PRIVATE, so consumers never inherit them.
function(sockmode_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
      -Wsign-conversion -Wold-style-cast -Woverloaded-virtual
      $<$<CXX_COMPILER_ID:Clang>:-Wcomma>)
    if(SOCKMODE_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
