# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Builds and runs a consumer of sockmode the way MODE says:
#   static           install the static build into a scratch prefix, then find_package
#   shared           a shared build (BUILD_SHARED_LIBS=ON): checks its SONAME and exports,
#                    installs it into a scratch prefix, find_package; then packs it with
#                    `cpack -G DEB` and consumes the .deb, installed with dpkg when INSTALL_DEB
#                    is true (CI, as root) or else unpacked into a scratch root
#   add_subdirectory a library that embeds sockmode (add_subdirectory, SOCKMODE_INSTALL ON)
#                    beside an executable linked to the build tree's target; the library
#                    installs itself with sockmode, and an app then uses the installed pair
#   fetch_content    FetchContent_MakeAvailable from the checkout's repository
#   pkg_config       install, then a plain compiler command line with pkg-config's flags
#   lto              clang++-14 and lld, no GNU tool, with link-time optimisation: the static
#                    library and a consumer, and the shared library (its SONAME and exports
#                    checked), each consumer run on both wait backends
cmake_minimum_required(VERSION 3.21)

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "package test (${MODE}) step failed (${result}): ${ARGN}")
  endif()
endfunction()

set(work ${WORK_DIR}/${MODE})
file(REMOVE_RECURSE ${work})
# The library builds of the shared and lto modes are unoptimised (no build type): what they
# prove (SONAME, exports, the package, the toolchain, the bitcode's link) does not depend on
# it, and they compile in half the time.
set(lean -DCMAKE_BUILD_TYPE= -DSOCKMODE_TESTS=OFF -DSOCKMODE_EXAMPLES=OFF
  -DSOCKMODE_BENCHMARKS=OFF)
set(consumer ${SOURCE_DIR}/test/package)

# The consumer's build type is Release, except where it builds sockmode itself
# (add_subdirectory, fetch_content): there it is none, unoptimised, as that proves the same
# (the target, its usage requirements, the link) in less compile time.
set(build_type Release)
# The licence travels with every installed copy: LICENSE_1_0.txt in share/doc/sockmode, and in
# the .deb Debian's copyright file.
function(expect_licence file)
  if(NOT EXISTS ${file})
    message(FATAL_ERROR "no licence in the installed package: ${file} is missing")
  endif()
  file(READ ${file} text)
  if(NOT text MATCHES "Boost Software License - Version 1.0")
    message(FATAL_ERROR "${file} does not hold the Boost Software License 1.0")
  endif()
endfunction()
function(consume consumer prefix build)
  set(configure ${CMAKE_COMMAND} -S ${consumer} -B ${build} -DCMAKE_BUILD_TYPE=${build_type}
    -DSOCKMODE_SOURCE_DIR=${SOURCE_DIR})
  if(prefix)
    list(APPEND configure -DCMAKE_PREFIX_PATH=${prefix})
  endif()
  step(${configure})
  step(${CMAKE_COMMAND} --build ${build} -j2)
  step(${build}/consumer)
endfunction()

# A versioned SONAME, and only sockmode's API exported (plus the templates Asio itself
# declares with default visibility), its socket classes' members among them.
function(check_shared library)
  execute_process(COMMAND readelf -d ${library} OUTPUT_VARIABLE dynamic)
  if(NOT dynamic MATCHES "Library soname: \\[libsockmode\\.so\\.[0-9]+\\]")
    message(FATAL_ERROR "${library} has no versioned SONAME:\n${dynamic}")
  endif()
  execute_process(COMMAND nm -DC --defined-only ${library} OUTPUT_VARIABLE symbols)
  string(REGEX MATCHALL "[^\n]*(anonymous namespace|sockmode_)[^\n]*" internal "${symbols}")
  if(internal)
    message(FATAL_ERROR "internal symbols exported:\n${internal}")
  endif()
  if(NOT symbols MATCHES "sockmode::basic_acceptor<boost::asio::ip::tcp>::~basic_acceptor")
    message(FATAL_ERROR "${library} does not export the explicit instantiations' members")
  endif()
endfunction()

# The link line the README documents, by hand: `-lsockmode -pthread` and nothing else, for
# the static and the shared library alike (liburing is loaded at run time, never linked).
# The installed copy in `prefix`, linked by `compiler` with the flags in ARGN, and run on
# both wait backends.
function(by_hand prefix compiler)
  file(GLOB_RECURSE library ${prefix}/*/libsockmode.a ${prefix}/*/libsockmode.so)
  get_filename_component(libdir "${library}" DIRECTORY)
  get_filename_component(out "${prefix}" DIRECTORY)
  step(${compiler} -std=c++17 ${ARGN} ${SOURCE_DIR}/test/package/main.cpp -I${prefix}/include
    -L${libdir} -Wl,-rpath,${libdir} -lsockmode -pthread -o ${out}/consumer-by-hand)
  step(${out}/consumer-by-hand)
  step(${CMAKE_COMMAND} -E env SOCKMODE_WAIT_BACKEND=io_uring ${out}/consumer-by-hand)
  message(STATUS "linked by hand (${library}): -lsockmode -pthread")
endfunction()

if(MODE STREQUAL "static")
  step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${work}/prefix)
  expect_licence(${work}/prefix/share/doc/sockmode/LICENSE_1_0.txt)
  consume(${consumer} ${work}/prefix ${work}/build)
elseif(MODE STREQUAL "shared")
  step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${work}/lib ${lean} -DBUILD_SHARED_LIBS=ON
    -DCMAKE_INSTALL_PREFIX=/usr)
  step(${CMAKE_COMMAND} --build ${work}/lib -j2)
  check_shared(${work}/lib/libsockmode.so)
  step(${CMAKE_COMMAND} --install ${work}/lib --prefix ${work}/prefix)
  expect_licence(${work}/prefix/share/doc/sockmode/LICENSE_1_0.txt)
  consume(${consumer} ${work}/prefix ${work}/build)
  by_hand(${work}/prefix c++)

  execute_process(COMMAND cpack -G DEB WORKING_DIRECTORY ${work}/lib RESULT_VARIABLE result)
  file(GLOB deb ${work}/lib/*.deb)
  if(NOT result EQUAL 0 OR NOT deb)
    message(FATAL_ERROR "cpack -G DEB made no package")
  endif()
  if(INSTALL_DEB)
    step(dpkg -i ${deb})
    expect_licence(/usr/share/doc/libsockmode-dev/copyright)
    consume(${consumer} "" ${work}/build-deb)
    step(dpkg -r libsockmode-dev)
  else()
    step(dpkg-deb -x ${deb} ${work}/root)
    expect_licence(${work}/root/usr/share/doc/libsockmode-dev/copyright)
    consume(${consumer} ${work}/root/usr ${work}/build-deb)
  endif()
  message(STATUS "${deb} built and consumed")
elseif(MODE STREQUAL "lto")
  # clang and lld, for the library and its consumers: the wait engine's private Asio needs no
  # GNU tool, with link-time optimisation or without. LLVM 14 once failed the LTO link ("Type
  # mismatch in constant table", "Explicit invoke type does not match"): not the private
  # engine, but clang's call to timeout_error's constructors, then inherited from its virtual
  # base io_error, with arguments their definition does not take, which LLVM 14's typed
  # pointers cannot hold (timeout_error.hpp now writes them out).
  find_program(clang NAMES clang++-14)
  find_program(lld NAMES ld.lld-14 ld.lld)
  find_program(llvm_ar NAMES llvm-ar-14 llvm-ar)
  find_program(llvm_ranlib NAMES llvm-ranlib-14 llvm-ranlib)
  if(NOT clang OR NOT lld OR NOT llvm_ar OR NOT llvm_ranlib)
    message(FATAL_ERROR "clang++-14, lld or llvm-ar-14 not found (.ci/setup installs them)")
  endif()
  set(clang_lld -DCMAKE_CXX_COMPILER=${clang} -DCMAKE_AR=${llvm_ar} -DCMAKE_RANLIB=${llvm_ranlib}
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld)
  # Builds the library in `lib` (configure options in ARGN), installs it, and links a consumer
  # of the installed copy by hand with clang, lld and `flags`.
  function(clang_consumer lib flags)
    step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${lib} ${clang_lld} ${ARGN})
    step(${CMAKE_COMMAND} --build ${lib} -j2)
    step(${CMAKE_COMMAND} --install ${lib} --prefix ${lib}/prefix)
    by_hand(${lib}/prefix ${clang} ${flags} -fuse-ld=lld)
  endfunction()
  # The library's bitcode is unoptimised (lean): the link reads and joins it all the same,
  # which is what LLVM 14 once failed; the consumers are optimised at the link.
  set(lto ${lean} -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON)
  clang_consumer(${work}/static "-O1;-flto=thin" ${lto})
  # The archive holds bitcode, or the link-time optimisation was not tested.
  execute_process(COMMAND ${llvm_ar} p ${work}/static/libsockmode.a create_connection.cpp.o
    OUTPUT_FILE ${work}/member.o RESULT_VARIABLE result)
  file(READ ${work}/member.o magic LIMIT 4 HEX)
  if(NOT result EQUAL 0 OR NOT magic STREQUAL "4243c0de")
    message(FATAL_ERROR "libsockmode.a holds no LLVM bitcode: link-time optimisation is off")
  endif()
  clang_consumer(${work}/shared -O1 ${lto} -DBUILD_SHARED_LIBS=ON)
  check_shared(${work}/shared/libsockmode.so)
elseif(MODE STREQUAL "fetch_content")
  set(build_type "")
  consume(${SOURCE_DIR}/test/package/${MODE} "" ${work}/build)
elseif(MODE STREQUAL "add_subdirectory")
  # netlib embeds sockmode, with an executable beside it, and installs both libraries; an app
  # then finds netlib in the prefix.
  set(build_type "")
  step(${CMAKE_COMMAND} -S ${consumer}/embedded -B ${work}/netlib -DCMAKE_BUILD_TYPE=
    -DSOCKMODE_SOURCE_DIR=${SOURCE_DIR})
  step(${CMAKE_COMMAND} --build ${work}/netlib -j2)
  step(${work}/netlib/consumer)
  step(${CMAKE_COMMAND} --install ${work}/netlib --prefix ${work}/prefix)
  expect_licence(${work}/prefix/share/doc/sockmode/LICENSE_1_0.txt)
  consume(${consumer}/embedded/app ${work}/prefix ${work}/build)
elseif(MODE STREQUAL "pkg_config")
  step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${work}/prefix)
  file(GLOB_RECURSE pc ${work}/prefix/*/sockmode.pc)
  get_filename_component(pc_dir "${pc}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} ${pc_dir})
  execute_process(COMMAND pkg-config --cflags --libs sockmode OUTPUT_VARIABLE flags
    RESULT_VARIABLE result OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs sockmode failed")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  if("-lssl" IN_LIST flags)  # built with TLS: the .pc file requires libssl
    list(APPEND flags -DSOCKMODE_CONSUMER_TLS)
  endif()
  step(c++ -std=c++17 ${SOURCE_DIR}/test/package/main.cpp ${flags} -o ${work}/consumer)
  step(${work}/consumer)
  # Only what a link needs: OpenSSL with TLS, never liburing.
  execute_process(COMMAND pkg-config --print-requires --print-requires-private sockmode
    OUTPUT_VARIABLE requires)
  if(requires MATCHES "uring")
    message(FATAL_ERROR "sockmode.pc requires liburing:\n${requires}")
  endif()
  by_hand(${work}/prefix c++)
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
message(STATUS "consumer (${MODE}) built and ran")
