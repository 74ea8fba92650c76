# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# vcpkg port: builds the library only (no tests, examples or benchmarks) and installs its CMake
# package. Point SOURCE_URL at the repository to package; REF is the release tag.
vcpkg_from_git(
  OUT_SOURCE_PATH SOURCE_PATH
  URL "${SOCKMODE_SOURCE_URL}"
  REF "v${VERSION}"
)

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DSOCKMODE_TESTS=OFF
    -DSOCKMODE_EXAMPLES=OFF
    -DSOCKMODE_BENCHMARKS=OFF
    -DSOCKMODE_TLS=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/sockmode)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE_1_0.txt")
