# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SOCKMODE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sockmode)

install(TARGETS sockmode EXPORT sockmode-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(SOCKMODE_TLS)
  install(DIRECTORY include/sockmode DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
else()
  install(DIRECTORY include/sockmode DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    PATTERN ssl_stream.hpp EXCLUDE)
endif()
install(EXPORT sockmode-targets NAMESPACE sockmode:: DESTINATION ${SOCKMODE_CMAKE_DIR})
# The licence goes with every installed copy (it asks to be kept with the software).
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE_1_0.txt DESTINATION ${CMAKE_INSTALL_DOCDIR})

configure_package_config_file(cmake/sockmode-config.cmake.in
  ${PROJECT_BINARY_DIR}/sockmode-config.cmake INSTALL_DESTINATION ${SOCKMODE_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sockmode-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sockmode-config.cmake
  ${PROJECT_BINARY_DIR}/sockmode-config-version.cmake DESTINATION ${SOCKMODE_CMAKE_DIR})

# pkg-config, relocatable: the prefix is found from the .pc file's own place.
file(RELATIVE_PATH SOCKMODE_PC_UP "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" SOCKMODE_PC_UP "${SOCKMODE_PC_UP}")
# With TLS, ssl_stream.hpp needs OpenSSL's headers and a static libsockmode needs libssl and libcrypto:
# Requires (not .private) so that `--libs` of a static build carries -lssl -lcrypto.
# The io_uring wait backend loads liburing at run time (src/wait/io_uring.cpp): no link flag.
set(sockmode_pc_modules "")
if(SOCKMODE_TLS)
  list(APPEND sockmode_pc_modules libssl libcrypto)
endif()
set(SOCKMODE_PC_REQUIRES "")
if(sockmode_pc_modules)
  list(JOIN sockmode_pc_modules " " sockmode_pc_modules)
  set(SOCKMODE_PC_REQUIRES "Requires: ${sockmode_pc_modules}\n")
endif()
configure_file(cmake/sockmode.pc.in ${PROJECT_BINARY_DIR}/sockmode.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sockmode.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# `cpack -G DEB` in a build configured with CMAKE_INSTALL_PREFIX=/usr (make package); only at
# the top level, as CPack's settings would be an embedding project's own.
if(NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()
# `cpack -G DEB` in a build configured with CMAKE_INSTALL_PREFIX=/usr (make package).
set(CPACK_PACKAGE_NAME libsockmode-dev)
set(CPACK_PACKAGE_VENDOR sockmode)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sockmode maintainers <sockmode@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libboost1.81-dev")
if(SOCKMODE_TLS)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libssl-dev")
endif()
if(SOCKMODE_IO_URING)
  # Loaded at run time when SOCKMODE_WAIT_BACKEND=io_uring asks for it; epoll without it.
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "liburing2")
endif()
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE_1_0.txt)
# Debian policy wants the licence as /usr/share/doc/<package>/copyright, in the machine-readable
# format: written for the .deb's build (make package configures with the prefix /usr).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
file(READ ${PROJECT_SOURCE_DIR}/LICENSE_1_0.txt sockmode_licence)
string(REGEX REPLACE "\n$" "" sockmode_licence "${sockmode_licence}")
string(REGEX REPLACE "\n\n" "\n.\n" sockmode_licence "${sockmode_licence}")
string(REGEX REPLACE "\n" "\n " sockmode_licence "${sockmode_licence}")
file(WRITE ${PROJECT_BINARY_DIR}/debian-copyright
  "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
  "Upstream-Name: sockmode\n\n"
  "Files: *\nCopyright: 2026 sockmode contributors\nLicense: BSL-1.0\n\n"
  "License: BSL-1.0\n ${sockmode_licence}\n")
install(FILES ${PROJECT_BINARY_DIR}/debian-copyright
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${CPACK_PACKAGE_NAME} RENAME copyright)
endif()
set(CPACK_GENERATOR DEB)
include(CPack)
