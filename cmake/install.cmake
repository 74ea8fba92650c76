include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SOCKMODE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sockmode)

install(TARGETS sockmode EXPORT sockmode-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/sockmode DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT sockmode-targets NAMESPACE sockmode:: DESTINATION ${SOCKMODE_CMAKE_DIR})

configure_package_config_file(cmake/sockmode-config.cmake.in
  ${PROJECT_BINARY_DIR}/sockmode-config.cmake INSTALL_DESTINATION ${SOCKMODE_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sockmode-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sockmode-config.cmake
  ${PROJECT_BINARY_DIR}/sockmode-config-version.cmake DESTINATION ${SOCKMODE_CMAKE_DIR})
