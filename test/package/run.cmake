# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Builds and runs a consumer of sockmode the way MODE says:
#   install          installs the build being tested (BUILD_DIR; `make test`'s plain pass is the
#                    shared library) into a scratch prefix: find_package, pkg-config and the hand
#                    link line; a shared build's SONAME and exports are checked; then packs it
#                    with `cpack -G DEB` and consumes the .deb, installed with dpkg when
#                    INSTALL_DEB is true (CI, as root) or else unpacked into a scratch root
#   add_subdirectory a library that embeds sockmode (add_subdirectory, SOCKMODE_INSTALL ON, the
#                    static library) beside an executable linked to the build tree's target; the
#                    library installs itself with sockmode, and an app then uses the installed
#                    pair with find_package; pkg-config and the hand link line use that static
#                    copy
#   fetch_content    FetchContent_MakeAvailable from the checkout's repository: configured, not
#                    built, as what it then builds is add_subdirectory's build above
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
# The library builds of the lto mode are unoptimised (no build type): what they prove (the
# toolchain, SONAME, exports, the bitcode's link) does not depend on it, and they compile in
# half the time. So are the consumers, for the same reason.
set(lean -DCMAKE_BUILD_TYPE= -DSOCKMODE_TESTS=OFF -DSOCKMODE_EXAMPLES=OFF
  -DSOCKMODE_BENCHMARKS=OFF)
set(consumer ${SOURCE_DIR}/test/package)

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
  set(configure ${CMAKE_COMMAND} -S ${consumer} -B ${build} -DCMAKE_BUILD_TYPE=
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

# pkg-config on a plain compiler command line, against the installed copy in `prefix`: only
# what a link needs (OpenSSL with TLS, never liburing).
function(pkg_config_consumer prefix)
  file(GLOB_RECURSE pc ${prefix}/*/sockmode.pc)
  get_filename_component(pc_dir "${pc}" DIRECTORY)
  get_filename_component(libdir "${pc_dir}" DIRECTORY)
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
  get_filename_component(out "${prefix}" DIRECTORY)
  step(c++ -std=c++17 ${SOURCE_DIR}/test/package/main.cpp ${flags} -o ${out}/consumer-pkg-config)
  # pkg-config gives no run path: a shared copy is found through LD_LIBRARY_PATH.
  step(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libdir} ${out}/consumer-pkg-config)
  execute_process(COMMAND pkg-config --print-requires --print-requires-private sockmode
    OUTPUT_VARIABLE requires)
  if(requires MATCHES "uring")
    message(FATAL_ERROR "sockmode.pc requires liburing:\n${requires}")
  endif()
  message(STATUS "built with pkg-config's flags (${pc})")
endfunction()

if(MODE STREQUAL "install")
  # A shared build: a versioned SONAME and only the API exported.
  file(GLOB shared ${BUILD_DIR}/libsockmode.so)
  if(shared)
    check_shared(${shared})
    message(STATUS "${shared}: SONAME and exports checked")
  endif()
  step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${work}/prefix)
  expect_licence(${work}/prefix/share/doc/sockmode/LICENSE_1_0.txt)
  consume(${consumer} ${work}/prefix ${work}/build)
  pkg_config_consumer(${work}/prefix)
  by_hand(${work}/prefix c++)

  # The .deb, packed from the same build, when it was configured with the prefix /usr as a .deb
  # needs (make package, and make test's plain pass).
  if(NOT INSTALL_PREFIX STREQUAL "/usr")
    message(STATUS "no .deb: ${BUILD_DIR} was configured with the prefix ${INSTALL_PREFIX}")
    message(STATUS "consumer (${MODE}) built and ran")
    return()
  endif()
  file(REMOVE_RECURSE ${BUILD_DIR}/_CPack_Packages)
  file(GLOB old ${BUILD_DIR}/*.deb)
  if(old)
    file(REMOVE ${old})
  endif()
  execute_process(COMMAND cpack -G DEB WORKING_DIRECTORY ${BUILD_DIR} RESULT_VARIABLE result)
  file(GLOB deb ${BUILD_DIR}/*.deb)
  if(NOT result EQUAL 0 OR NOT deb)
    message(FATAL_ERROR "cpack -G DEB made no package")
  endif()
  file(RENAME ${deb} ${work}/libsockmode-dev.deb)
  set(deb ${work}/libsockmode-dev.deb)
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
  # Configured only: FetchContent_MakeAvailable adds sockmode with add_subdirectory, whose
  # build the add_subdirectory mode runs; the consumer's configure proves the fetch, the
  # target sockmode::sockmode and its usage requirements.
  step(${CMAKE_COMMAND} -S ${consumer}/fetch_content -B ${work}/build -DCMAKE_BUILD_TYPE=
    -DSOCKMODE_SOURCE_DIR=${SOURCE_DIR})
  if(NOT EXISTS ${work}/build/_deps/sockmode-build/Makefile)
    message(FATAL_ERROR "FetchContent_MakeAvailable did not add sockmode (_deps/sockmode-build)")
  endif()
elseif(MODE STREQUAL "add_subdirectory")
  # netlib embeds sockmode (the static library), with an executable beside it, and installs
  # both libraries; an app then finds netlib in the prefix, and sockmode through it.
  step(${CMAKE_COMMAND} -S ${consumer}/embedded -B ${work}/netlib -DCMAKE_BUILD_TYPE=
    -DSOCKMODE_SOURCE_DIR=${SOURCE_DIR})
  step(${CMAKE_COMMAND} --build ${work}/netlib -j2)
  step(${work}/netlib/consumer)
  step(${CMAKE_COMMAND} --install ${work}/netlib --prefix ${work}/prefix)
  expect_licence(${work}/prefix/share/doc/sockmode/LICENSE_1_0.txt)
  consume(${consumer}/embedded/app ${work}/prefix ${work}/build)
  pkg_config_consumer(${work}/prefix)
  by_hand(${work}/prefix c++)
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
message(STATUS "consumer (${MODE}) built and ran")
