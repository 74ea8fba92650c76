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

# The portfile with vcpkg's functions stubbed out: a syntax error or an unknown call fails.
foreach(f vcpkg_from_git vcpkg_cmake_configure vcpkg_cmake_install vcpkg_cmake_config_fixup
    vcpkg_fixup_pkgconfig vcpkg_install_copyright)
  cmake_language(EVAL CODE "function(${f})\nendfunction()")
endforeach()
set(VERSION ${version})
set(CURRENT_PACKAGES_DIR ${WORK_DIR}/vcpkg-stub)
include(${SOURCE_DIR}/ports/sockmode/portfile.cmake)

file(READ ${SOURCE_DIR}/conanfile.py recipe)
if(NOT recipe MATCHES "\n    version = \"([0-9.]+)\"")
  message(FATAL_ERROR "conanfile.py has no version")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL version)
  message(FATAL_ERROR "conanfile.py says ${CMAKE_MATCH_1}, version.hpp ${version}")
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
