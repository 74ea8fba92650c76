# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# The fuzz targets, for the standalone fuzz project (test/fuzz/CMakeLists.txt, `make fuzz`) and
# for the clang ASan+UBSan test pass (test/CMakeLists.txt, SOCKMODE_FUZZ_TARGETS), whose
# library is compiled with -fsanitize=fuzzer-no-link so that libFuzzer sees its coverage too.
foreach(target timeout endpoint buffers options)
  add_executable(fuzz_${target} ${CMAKE_CURRENT_LIST_DIR}/${target}.cpp)
  target_link_libraries(fuzz_${target} PRIVATE sockmode::sockmode)
  target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
  target_compile_features(fuzz_${target} PRIVATE cxx_std_17)
  sockmode_warnings(fuzz_${target})
endforeach()
