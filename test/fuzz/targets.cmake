# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# The fuzz targets, for the standalone fuzz project (test/fuzz/CMakeLists.txt, `make fuzz`) and
# for the clang ASan+UBSan test pass (test/CMakeLists.txt, SOCKMODE_FUZZ_TARGETS), which
# compiles the library with -fsanitize=fuzzer-no-link too, so that libFuzzer sees its coverage.
foreach(target timeout endpoint buffers options)
  add_executable(fuzz_${target} ${CMAKE_CURRENT_LIST_DIR}/${target}.cpp)
  target_link_libraries(fuzz_${target} PRIVATE sockmode::sockmode)
  target_compile_options(fuzz_${target} PRIVATE -fsanitize=fuzzer-no-link)
  target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
  target_compile_features(fuzz_${target} PRIVATE cxx_std_17)
  sockmode_warnings(fuzz_${target})
endforeach()
