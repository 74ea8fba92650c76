# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# The vcpkg port and the Conan recipe, checked as far as this machine allows (neither tool is
# installed here): each parses, and each names the version version.hpp defines.
cmake_minimum_required(VERSION 3.21)

file(STRINGS ${SOURCE_DIR}/include/sockmode/version.hpp lines
  REGEX "^#define SOCKMODE_VERSION_(MAJOR|MINOR|PATCH) ")
foreach(line IN LISTS lines)
  string(REGEX MATCH "(MAJOR|MINOR|PATCH) ([0-9]+)" _ "${line}")
  set(v_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
endforeach()
set(version ${v_MAJOR}.${v_MINOR}.${v_PATCH})

file(READ ${SOURCE_DIR}/ports/sockmode/vcpkg.json manifest)
string(JSON port_version ERROR_VARIABLE json_error GET "${manifest}" version)
if(json_error)
  message(FATAL_ERROR "ports/sockmode/vcpkg.json: ${json_error}")
endif()
if(NOT port_version STREQUAL version)
  message(FATAL_ERROR "vcpkg.json says ${port_version}, version.hpp ${version}")
endif()

string(JSON port_license ERROR_VARIABLE json_error GET "${manifest}" license)
if(NOT port_license STREQUAL "BSL-1.0")
  message(FATAL_ERROR "vcpkg.json's license is '${port_license}', not BSL-1.0")
endif()

# The portfile with vcpkg's functions stubbed out: a syntax error or an unknown call fails.
foreach(f vcpkg_from_git vcpkg_cmake_configure vcpkg_cmake_install vcpkg_cmake_config_fixup
    vcpkg_fixup_pkgconfig)
  cmake_language(EVAL CODE "function(${f})\nendfunction()")
endforeach()
# The copyright file the port installs must be the licence.
function(vcpkg_install_copyright)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" FILE_LIST)
  set(port_copyright "${arg_FILE_LIST}" PARENT_SCOPE)
endfunction()
set(VERSION ${version})
set(CURRENT_PACKAGES_DIR ${WORK_DIR}/vcpkg-stub)
set(SOURCE_PATH ${SOURCE_DIR})
include(${SOURCE_DIR}/ports/sockmode/portfile.cmake)
if(NOT port_copyright MATCHES "/LICENSE_1_0\\.txt$")
  message(FATAL_ERROR "the vcpkg port installs '${port_copyright}' as its copyright, not LICENSE_1_0.txt")
endif()
if(NOT EXISTS ${SOURCE_DIR}/LICENSE_1_0.txt)
  message(FATAL_ERROR "LICENSE_1_0.txt is missing at the top of the source tree")
endif()

file(READ ${SOURCE_DIR}/conanfile.py recipe)
if(NOT recipe MATCHES "\n    version = \"([0-9.]+)\"")
  message(FATAL_ERROR "conanfile.py has no version")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL version)
  message(FATAL_ERROR "conanfile.py says ${CMAKE_MATCH_1}, version.hpp ${version}")
endif()
if(NOT recipe MATCHES "\n    license = \"BSL-1.0\"" OR NOT recipe MATCHES "LICENSE_1_0\\.txt")
  message(FATAL_ERROR "conanfile.py must declare license = \"BSL-1.0\" and export LICENSE_1_0.txt")
endif()
find_program(python NAMES python3)
if(python)
  execute_process(COMMAND ${python} -c "import ast,sys; ast.parse(open(sys.argv[1]).read())"
    ${SOURCE_DIR}/conanfile.py RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "conanfile.py does not parse")
  endif()
endif()
message(STATUS "vcpkg port and Conan recipe: version ${version}, both parse")
