# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Puts the licence line (and the copyright line) at the top of every tracked source file, or,
# with -DCHECK=ON, fails listing the files that lack it. Idempotent: a file that already has an
# SPDX-License-Identifier line in its first lines is left alone.
#   cmake -P cmake/spdx.cmake              add the header where it is missing
#   cmake -DCHECK=ON -P cmake/spdx.cmake   check only (the test suite's licence_headers)
# Source files: C++ (// comments); CMake, Python, shell, Makefile, Doxyfile, .in templates and
# the .ci/ scripts (# comments, after a #! line). Data (corpora, results), Markdown, JSON and
# the licence text itself have no header.
cmake_minimum_required(VERSION 3.21)

if(NOT SOURCE_DIR)
  get_filename_component(SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
endif()
set(spdx_line "SPDX-License-Identifier: BSL-1.0")
set(copyright_line "Copyright (c) 2026 sockmode contributors")

# The tracked files (git), or every file outside build directories when there is no git.
find_program(GIT_EXECUTABLE git)
set(files "")
if(GIT_EXECUTABLE AND EXISTS ${SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} ls-files WORKING_DIRECTORY ${SOURCE_DIR}
    OUTPUT_VARIABLE listed RESULT_VARIABLE result OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(result EQUAL 0)
    string(REPLACE "\n" ";" files "${listed}")
  endif()
endif()
if(NOT files)
  file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*)
  list(FILTER files EXCLUDE REGEX "^(build[^/]*|\\.git)/")
endif()

set(missing "")
set(added 0)
foreach(file IN LISTS files)
  get_filename_component(name ${file} NAME)
  if(file MATCHES "^(test/fuzz/corpus|benchmarks/results)/")
    continue()
  elseif(name MATCHES "\\.(hpp|cpp|h|c)$")
    set(prefix "//")
  elseif(name MATCHES "\\.(cmake|py|sh|in)$" OR name MATCHES "^(CMakeLists\\.txt|Makefile|Doxyfile)$"
         OR file MATCHES "^\\.ci/")
    set(prefix "#")
  else()
    continue()
  endif()
  set(path ${SOURCE_DIR}/${file})
  if(NOT EXISTS ${path} OR IS_DIRECTORY ${path})
    continue()
  endif()
  file(STRINGS ${path} head LIMIT_COUNT 5)
  string(FIND "${head}" "SPDX-License-Identifier:" found)
  if(NOT found EQUAL -1)
    continue()
  endif()
  if(CHECK)
    list(APPEND missing ${file})
    continue()
  endif()
  file(READ ${path} text)
  set(header "${prefix} ${copyright_line}\n${prefix} ${spdx_line}\n")
  if(text MATCHES "^#![^\n]*\n")  # keep the interpreter line first
    string(LENGTH "${CMAKE_MATCH_0}" shebang_length)
    string(SUBSTRING "${text}" 0 ${shebang_length} shebang)
    string(SUBSTRING "${text}" ${shebang_length} -1 rest)
    file(WRITE ${path} "${shebang}${header}${rest}")
  else()
    file(WRITE ${path} "${header}${text}")
  endif()
  math(EXPR added "${added} + 1")
endforeach()

if(CHECK)
  if(missing)
    list(JOIN missing "\n  " missing)
    message(FATAL_ERROR "no SPDX-License-Identifier line in:\n  ${missing}\n"
      "Run `cmake -P cmake/spdx.cmake` to add it.")
  endif()
  message(STATUS "every source file names its licence (${spdx_line})")
else()
  message(STATUS "licence header added to ${added} file(s)")
endif()
